#pragma once
// A real etcd cluster on loopback for the coordination tests (docs/COORDINATION.md): Debian's
// etcd-server 3.4, members started by the test with ports chosen at run time and data in a
// temporary directory removed at the end. Tests that need it are skipped with a clear message
// only where the etcd binary is absent (etcd_cluster::binary()).

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <refreshd/test/child_process.hpp>

namespace refreshd::test {

class etcd_cluster {
 public:
  /// The etcd binary ($REFRESHD_ETCD, else etcd on the PATH), or nullopt when there is none.
  static std::optional<std::string> binary();
  /// `n` distinct loopback ports, free when picked (for a member a test starts itself).
  static std::vector<unsigned short> free_ports(std::size_t n);
  /// Why a test that needs etcd is skipped without it.
  static constexpr const char* missing =
      "no etcd binary: install etcd-server (Debian 12) to run the coordination tests";

  /// Starts `members` members (1 or 3, usually) and waits until each answers /health and the
  /// cluster has a leader. `extra_args` are given to every member. Throws std::runtime_error
  /// (with the members' logs) when the cluster does not come up within 30 s.
  explicit etcd_cluster(int members = 3, std::vector<std::string> extra_args = {});
  ~etcd_cluster();
  etcd_cluster(const etcd_cluster&) = delete;
  etcd_cluster& operator=(const etcd_cluster&) = delete;

  [[nodiscard]] int size() const noexcept { return static_cast<int>(members_.size()); }
  /// "http://127.0.0.1:PORT" of member `i`'s client listener.
  [[nodiscard]] std::string client_url(int i) const;
  [[nodiscard]] std::vector<std::string> client_urls() const;
  [[nodiscard]] unsigned short client_port(int i) const { return members_.at(i).client_port; }

  /// POST /v3/<path> with a JSON body to member `i` (the gateway: base64 keys and values);
  /// throws unless HTTP 200.
  nlohmann::json post(int i, const std::string& path, const nlohmann::json& body) const;
  /// The member that is the leader now (maintenance/status of each running member), or -1.
  [[nodiscard]] int leader() const;

  /// SIGKILL: the member is gone (its data stays for restart()).
  void kill(int i);
  /// SIGSTOP / SIGCONT: the member hangs, its connections stay open (a stopped follower).
  void pause(int i);
  void resume(int i);
  /// Starts a killed member again with its data.
  void restart(int i);
  [[nodiscard]] bool running(int i) const { return members_.at(i).proc != nullptr; }

 private:
  struct member {
    std::string name;
    unsigned short client_port = 0;
    unsigned short peer_port = 0;
    std::unique_ptr<child_process> proc;
  };
  void start(int i, bool new_cluster);
  /// Starts `members` on fresh ports and waits for them; "" when up, else why not (with logs).
  std::string try_start(int members);
  /// Member `i`'s log file (in the data directory), and its text.
  [[nodiscard]] std::string log_file(int i) const;
  [[nodiscard]] std::string read_log(int i) const;
  [[nodiscard]] bool healthy(int i) const;

  std::string dir_;
  std::string initial_cluster_;
  std::vector<std::string> extra_args_;
  std::vector<member> members_;
};

}  // namespace refreshd::test
