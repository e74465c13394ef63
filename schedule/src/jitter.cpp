#include <refreshd/schedule/jitter.hpp>

namespace refreshd::schedule {
namespace {

std::uint64_t fnv1a_step(std::uint64_t hash, std::string_view bytes) noexcept {
  for (const char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

constexpr std::uint64_t fnv_offset_basis = 0xcbf29ce484222325ULL;

std::uint64_t splitmix64_finalize(std::uint64_t z) noexcept {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::chrono::milliseconds reduce(std::uint64_t bits, std::chrono::milliseconds jitter) noexcept {
  if (jitter.count() <= 0) {
    return std::chrono::milliseconds{0};
  }
  const auto span = static_cast<std::uint64_t>(jitter.count()) + 1;
  return std::chrono::milliseconds{static_cast<std::int64_t>(bits % span)};
}

}  // namespace

std::uint64_t fnv1a_64(std::string_view bytes) noexcept {
  return fnv1a_step(fnv_offset_basis, bytes);
}

std::uint64_t collection_hash(std::string_view cluster, std::string_view database,
                              std::string_view name) noexcept {
  std::uint64_t hash = fnv1a_step(fnv_offset_basis, cluster);
  hash = fnv1a_step(hash, "/");
  hash = fnv1a_step(hash, database);
  hash = fnv1a_step(hash, "/");
  hash = fnv1a_step(hash, name);
  return splitmix64_finalize(hash);
}

std::chrono::milliseconds fixed_jitter(std::string_view cluster, std::string_view database,
                                       std::string_view name,
                                       std::chrono::milliseconds jitter) noexcept {
  return reduce(collection_hash(cluster, database, name), jitter);
}

std::chrono::milliseconds random_jitter(std::uint64_t random_bits,
                                        std::chrono::milliseconds jitter) noexcept {
  return reduce(random_bits, jitter);
}

}  // namespace refreshd::schedule
