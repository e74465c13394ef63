#pragma once
// Where pauses are kept across restarts (docs/OPERATIONS.md "Pause"): a JSON file in
// `state_dir`, replaced atomically at every change, or, under etcd coordination, one etcd key per
// paused collection so that every replica sees them.

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <refreshd/cycle/pauses.hpp>
#include <refreshd/net/asio.hpp>

namespace refreshd::daemon {

/// The book as stored: {"version":1,"paused":{"cluster/db/name":{"reason","at","at_ms",
/// "quarantined"}}} ("at" is for people; "at_ms" is read).
std::string pause_book_json(const pause_book& book);
/// One record as stored (the value of a key in the file, and of an etcd key).
std::string pause_record_json(const pause_record& r);
/// Reads pause_book_json's text; throws std::runtime_error naming `what`, the key and the
/// problem.
pause_book parse_pause_book(std::string_view text, const std::string& what);
pause_record parse_pause_record(std::string_view text, const std::string& what);

class pause_store {
 public:
  virtual ~pause_store() = default;
  /// Saves one change (nullopt: resumed); an error text when it could not (nothing changed).
  virtual awaitable<std::optional<std::string>> save(std::string key,
                                                     std::optional<pause_record> r) = 0;
};

/// `dir`/pauses.json. load() reads it (absent: no pauses); throws std::runtime_error when it
/// cannot be read or is not what save() writes.
class file_pause_store final : public pause_store {
 public:
  explicit file_pause_store(std::filesystem::path dir);
  pause_book load();
  awaitable<std::optional<std::string>> save(std::string key,
                                             std::optional<pause_record> r) override;
  [[nodiscard]] std::filesystem::path file() const { return dir_ / "pauses.json"; }

 private:
  /// Writes `book` to a temporary file, syncs it and renames it over the file (then syncs the
  /// directory): a crash leaves the old book or the new one, never a mix.
  std::optional<std::string> write(const pause_book& book) const;

  std::filesystem::path dir_;
  pause_book book_;
};

/// The largest state file read (about 80,000 pauses with long reasons).
inline constexpr std::size_t max_pause_file = 32U << 20U;

}  // namespace refreshd::daemon
