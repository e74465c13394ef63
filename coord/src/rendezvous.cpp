#include <refreshd/coord/rendezvous.hpp>

namespace refreshd::coord {
namespace {

constexpr std::uint64_t fnv_offset = 14695981039346656037ULL;
constexpr std::uint64_t fnv_prime = 1099511628211ULL;

std::uint64_t fnv1a(std::uint64_t h, std::string_view s) noexcept {
  for (const char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= fnv_prime;
  }
  return h;
}

// splitmix64's finaliser: FNV-1a alone leaves the high bits of similar strings correlated.
std::uint64_t mix(std::uint64_t x) noexcept {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

}  // namespace

std::uint64_t rendezvous_weight(std::string_view member, std::string_view key) noexcept {
  // The member, a separator no id contains, then the key.
  std::uint64_t h = fnv1a(fnv_offset, member);
  h = fnv1a(h, std::string_view("\0", 1));
  return mix(fnv1a(h, key));
}

std::size_t rendezvous_owner(std::span<const std::string> members, std::string_view key) noexcept {
  std::size_t best = no_owner;
  std::uint64_t best_weight = 0;
  for (std::size_t i = 0; i < members.size(); ++i) {
    const std::uint64_t w = rendezvous_weight(members[i], key);
    if (best == no_owner || w > best_weight || (w == best_weight && members[i] < members[best])) {
      best = i;
      best_weight = w;
    }
  }
  return best;
}

}  // namespace refreshd::coord
