#pragma once
// Jitter: a delay added to each slot so that many collections do not fire at once.

#include <chrono>
#include <cstdint>
#include <string_view>

namespace refreshd::schedule {

/// FNV-1a, 64 bits (offset basis 0xcbf29ce484222325, prime 0x100000001b3). Stable across
/// builds, platforms and runs (unlike std::hash).
std::uint64_t fnv1a_64(std::string_view bytes) noexcept;

/// The stable key of a collection: splitmix64's finalizer applied to
/// fnv1a_64("<cluster>/<database>/<name>"). The finalizer spreads FNV's weak low bits, so
/// names that differ only in a trailing digit land far apart.
std::uint64_t collection_hash(std::string_view cluster, std::string_view database,
                              std::string_view name) noexcept;

/// The "fixed" jitter of a collection: collection_hash(...) mod (jitter + 1), in milliseconds,
/// so a value in [0, jitter], the same on every run and every machine. jitter <= 0 → 0.
std::chrono::milliseconds fixed_jitter(std::string_view cluster, std::string_view database,
                                       std::string_view name,
                                       std::chrono::milliseconds jitter) noexcept;

/// The "random" jitter of one firing: `random_bits` (64 uniformly random bits from the
/// caller's generator, e.g. std::mt19937_64{}()) mod (jitter + 1) milliseconds, in
/// [0, jitter]. jitter <= 0 → 0. The modulo bias is below jitter/2^64: negligible.
std::chrono::milliseconds random_jitter(std::uint64_t random_bits,
                                        std::chrono::milliseconds jitter) noexcept;

}  // namespace refreshd::schedule
