#pragma once
// Which replica owns a collection (docs/COORDINATION.md "Ownership"): rendezvous hashing
// (highest random weight) over the live members. Pure. Every replica computes the same owner
// from the same member list; when a member joins or leaves, only the collections it gains or
// held change owner (about 1/N of them), never the others.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace refreshd::coord {

/// The weight of `member` for `key`: a 64-bit mix of both (FNV-1a, then a finaliser), the same
/// on every replica and every platform.
std::uint64_t rendezvous_weight(std::string_view member, std::string_view key) noexcept;

/// The member of `members` with the highest weight for `key` (ties, which need a 64-bit
/// collision, go to the smaller id); npos when `members` is empty. `members` need not be
/// sorted.
std::size_t rendezvous_owner(std::span<const std::string> members, std::string_view key) noexcept;

inline constexpr std::size_t no_owner = static_cast<std::size_t>(-1);

}  // namespace refreshd::coord
