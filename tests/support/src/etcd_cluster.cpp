#include <arpa/inet.h>
#include <array>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <netinet/in.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

#include <refreshd/test/etcd_cluster.hpp>
#include <refreshd/test/http.hpp>

namespace refreshd::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Ports for the members: bound on 127.0.0.1:0 together (so they differ), then released for
// etcd to take. Another process could take one in between; the cluster then fails to start
// and the error names it.
std::vector<unsigned short> free_loopback_ports(std::size_t n) {
  std::vector<int> fds;
  std::vector<unsigned short> ports;
  for (std::size_t i = 0; i < n; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      throw std::runtime_error("etcd_cluster: cannot pick a loopback port");
    }
    fds.push_back(fd);
    ports.push_back(ntohs(a.sin_port));
  }
  for (const int fd : fds) {
    ::close(fd);
  }
  return ports;
}

std::string loopback(unsigned short port) {
  return "http://127.0.0.1:" + std::to_string(port);
}

}  // namespace

std::vector<unsigned short> etcd_cluster::free_ports(std::size_t n) {
  return free_loopback_ports(n);
}

std::optional<std::string> etcd_cluster::binary() {
  if (const char* env = std::getenv("REFRESHD_ETCD"); env != nullptr && *env != '\0') {
    return fs::exists(env) ? std::optional<std::string>(env) : std::nullopt;
  }
  for (const char* dir : {"/usr/bin", "/usr/local/bin", "/usr/sbin"}) {
    const fs::path p = fs::path(dir) / "etcd";
    if (fs::exists(p)) {
      return p.string();
    }
  }
  return std::nullopt;
}

etcd_cluster::etcd_cluster(int members, std::vector<std::string> extra_args)
    : extra_args_(std::move(extra_args)) {
  if (!binary()) {
    throw std::runtime_error("etcd_cluster: no etcd binary (install etcd-server)");
  }
  std::string tmpl = (fs::temp_directory_path() / "refreshd-etcd-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    throw std::runtime_error("etcd_cluster: cannot make a temporary directory");
  }
  dir_ = tmpl;
  // A port picked free may be taken before etcd binds it: the member then exits at once, and
  // the cluster is started again on other ports.
  std::string failure;
  for (int attempt = 0; attempt < 3; ++attempt) {
    failure = try_start(members);
    if (failure.empty()) {
      return;
    }
    for (auto& m : members_) {
      m.proc.reset();
    }
    members_.clear();
    initial_cluster_.clear();
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir_, ec)) {
      fs::remove_all(entry.path(), ec);
    }
  }
  std::error_code ec;
  fs::remove_all(dir_, ec);
  throw std::runtime_error("etcd_cluster: " + failure);
}

std::string etcd_cluster::try_start(int members) {
  const auto ports = free_loopback_ports(static_cast<std::size_t>(members) * 2);
  members_.resize(static_cast<std::size_t>(members));
  for (int i = 0; i < members; ++i) {
    auto& m = members_[static_cast<std::size_t>(i)];
    m.name = "m" + std::to_string(i);
    m.client_port = ports[static_cast<std::size_t>(i) * 2];
    m.peer_port = ports[static_cast<std::size_t>(i) * 2 + 1];
    initial_cluster_ += (i > 0 ? "," : "") + m.name + "=" + loopback(m.peer_port);
  }
  for (int i = 0; i < members; ++i) {
    start(i, true);
  }
  bool exited = false;
  const bool up = poll_until(
      [this, &exited] {
        for (auto& m : members_) {
          if (m.proc->wait(std::chrono::milliseconds(5))) {  // (0 ms would not read the pipes)
            exited = true;
            return true;
          }
        }
        for (int i = 0; i < size(); ++i) {
          if (!healthy(i)) {
            return false;
          }
        }
        return leader() >= 0;
      },
      30s, 50ms);
  if (up && !exited) {
    return {};
  }
  std::string logs;
  for (int i = 0; i < size(); ++i) {
    logs += "\n--- " + members_[static_cast<std::size_t>(i)].name + ":\n" + read_log(i);
  }
  return (exited ? std::string("a member exited at start")
                 : "the cluster did not come up within 30 s") +
         logs;
}

etcd_cluster::~etcd_cluster() {
  for (auto& m : members_) {
    if (m.proc) {
      m.proc->send_signal(SIGCONT);  // a paused member must be able to die
    }
    m.proc.reset();  // SIGKILL and reap
  }
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string etcd_cluster::log_file(int i) const {
  return dir_ + "/m" + std::to_string(i) + ".log";
}

std::string etcd_cluster::read_log(int i) const {
  std::ifstream in(log_file(i));
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void etcd_cluster::start(int i, bool new_cluster) {
  auto& m = members_.at(static_cast<std::size_t>(i));
  std::vector<std::string> argv{
      *binary(), "--name", m.name, "--data-dir", dir_ + "/" + m.name, "--listen-client-urls",
      loopback(m.client_port), "--advertise-client-urls", loopback(m.client_port),
      "--listen-peer-urls", loopback(m.peer_port), "--initial-advertise-peer-urls",
      loopback(m.peer_port), "--initial-cluster", initial_cluster_, "--initial-cluster-state",
      new_cluster ? "new" : "existing", "--initial-cluster-token", "refreshd-test", "--logger",
      "zap", "--log-level", "warn",
      // To a file: nobody reads a pipe once the cluster is up, and a member that filled one
      // would hang.
      "--log-outputs", log_file(i),
      // Fast elections: tests kill leaders and wait for the next.
      "--heartbeat-interval", "50", "--election-timeout", "500"};
  argv.insert(argv.end(), extra_args_.begin(), extra_args_.end());
  // ETCD_* variables of the caller's environment would override the flags: none pass.
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::string_view(*e).starts_with("ETCD_")) {
      env.push_back(
          std::string(std::string_view(*e).substr(0, std::string_view(*e).find('=') + 1)));
    }
  }
  m.proc = std::make_unique<child_process>(std::move(argv), std::move(env));
}

bool etcd_cluster::healthy(int i) const {
  const auto& m = members_.at(static_cast<std::size_t>(i));
  if (!m.proc) {
    return false;
  }
  try {
    const auto r = http_request("GET", "127.0.0.1", m.client_port, "/health", {}, {}, 1s);
    return r.status == 200 && r.body.find("\"true\"") != std::string::npos;
  } catch (const std::exception&) {
    return false;
  }
}

std::string etcd_cluster::client_url(int i) const {
  return loopback(members_.at(static_cast<std::size_t>(i)).client_port);
}

std::vector<std::string> etcd_cluster::client_urls() const {
  std::vector<std::string> out;
  for (int i = 0; i < size(); ++i) {
    out.push_back(client_url(i));
  }
  return out;
}

nlohmann::json etcd_cluster::post(int i, const std::string& path,
                                  const nlohmann::json& body) const {
  const auto r = http_request("POST", "127.0.0.1", client_port(i), "/v3/" + path, body.dump(),
                              {{"Content-Type", "application/json"}}, 5s);
  if (r.status != 200) {
    throw std::runtime_error("etcd /v3/" + path + " answered " + std::to_string(r.status) + ": " +
                             r.body);
  }
  return nlohmann::json::parse(r.body);
}

int etcd_cluster::leader() const {
  for (int i = 0; i < size(); ++i) {
    if (!running(i)) {
      continue;
    }
    try {
      const auto s = post(i, "maintenance/status", nlohmann::json::object());
      // int64 fields come back as strings; member_id and leader are uint64.
      if (s.contains("leader") && s.contains("header") &&
          s["leader"] == s["header"].value("member_id", "")) {
        return i;
      }
    } catch (const std::exception&) {
      // a stopped or restarting member: ask the next
    }
  }
  return -1;
}

void etcd_cluster::kill(int i) {
  auto& m = members_.at(static_cast<std::size_t>(i));
  if (m.proc) {
    m.proc->send_signal(SIGCONT);
    m.proc.reset();
  }
}

void etcd_cluster::pause(int i) {
  members_.at(static_cast<std::size_t>(i)).proc->send_signal(SIGSTOP);
}

void etcd_cluster::resume(int i) {
  members_.at(static_cast<std::size_t>(i)).proc->send_signal(SIGCONT);
}

void etcd_cluster::restart(int i) {
  kill(i);
  start(i, false);
  if (!poll_until([this, i] { return healthy(i); }, 30s, 50ms)) {
    throw std::runtime_error("etcd_cluster: member " + std::to_string(i) +
                             " did not come back: " + read_log(i));
  }
}

}  // namespace refreshd::test
