#pragma once
// Helpers of the packaging tests: scratch directories, Debian control files, the libraries a
// binary needs and the packages that own them, and a small Dockerfile reader.

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace refreshd::test {

/// A fresh directory below the system temp directory, removed (recursively) on destruction.
class scratch_dir {
 public:
  scratch_dir();
  ~scratch_dir();
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;

  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  std::filesystem::path path_;
};

/// The whole file; throws std::runtime_error when it cannot be read.
std::string read_text_file(const std::filesystem::path& path);

/// Fields of a one-paragraph deb822 file (DEBIAN/control): name -> value, continuation lines
/// joined with '\n'.
std::map<std::string, std::string> parse_control(std::string_view text);

/// Package names in a Depends-style field: "libc6 (>= 2.34), a | b" -> {"libc6", "a", "b"}.
std::vector<std::string> relation_packages(std::string_view field);

/// DT_NEEDED sonames of an ELF file (readelf -d).
std::vector<std::string> needed_libraries(const std::filesystem::path& elf);

/// soname -> resolved path, from ldd.
std::map<std::string, std::string> ldd_paths(const std::filesystem::path& elf);

/// path -> the installed package owning it ("libssl3"), for each of `paths` that dpkg knows,
/// trying the merged-/usr spellings too.
std::map<std::string, std::string> owning_packages(const std::vector<std::string>& paths);

/// The package's name and the virtual packages it Provides (libspdlog1.10 provides
/// libspdlog1.10-fmt9, the name its shlibs file puts into Depends).
std::vector<std::string> names_of_package(const std::string& package);

/// One instruction of a Dockerfile, continuation lines joined, comments dropped.
struct dockerfile_instruction {
  std::string keyword;  ///< upper-cased: FROM, RUN, USER, ...
  std::string args;     ///< the rest of the instruction, trimmed
  int stage = 0;        ///< 0-based index of the FROM it belongs to (-1 before the first FROM)
};

std::vector<dockerfile_instruction> parse_dockerfile(std::string_view text);

/// The strings of a JSON-array form instruction argument ('["a", "b"]'); empty when not an array.
std::vector<std::string> exec_form(std::string_view args);

}  // namespace refreshd::test
