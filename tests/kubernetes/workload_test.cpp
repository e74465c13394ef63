// The daemon container of the sidecar example and of the standalone Deployment: its config (from
// the ConfigMap in the same file) is valid for the real binary, and the ports, probes, mounts,
// image and security settings agree with that config and with the daemon's defaults.
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <refreshd/config/config.hpp>
#include <refreshd/config/loader.hpp>
#include <refreshd/test/child_process.hpp>

#include "manifest_support.hpp"

namespace refreshd::test::k8s {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct workload_case {
  const char* file;
  const char* deployment;
  const char* test_name;
};

void PrintTo(const workload_case& c, std::ostream* os) {
  *os << c.file;
}

class Workload : public ::testing::TestWithParam<workload_case> {
 protected:
  void SetUp() override {
    docs_ = load_documents(GetParam().file);
    deployment_ = find_object(docs_, "Deployment", GetParam().deployment);
    ASSERT_TRUE(deployment_.IsMap()) << "no Deployment " << GetParam().deployment;
    pod_ = deployment_["spec"]["template"]["spec"];
    daemon_ = find_container(deployment_, "milvus-refreshd");
    ASSERT_TRUE(daemon_.IsMap()) << "no container named milvus-refreshd";
  }

  // The volume mounted at `mount_path` in the daemon container, with no subPath.
  YAML::Node volume_at(const std::string& mount_path) {
    for (const auto& m : daemon_["volumeMounts"]) {
      if (m["mountPath"].as<std::string>() == mount_path) {
        EXPECT_FALSE(m["subPath"].IsDefined() || m["subPathExpr"].IsDefined())
            << mount_path << ": a subPath mount never sees ConfigMap/Secret updates";
        EXPECT_TRUE(m["readOnly"].as<bool>(false)) << mount_path;
        return find_named(pod_["volumes"], m["name"].as<std::string>());
      }
    }
    return YAML::Node(YAML::NodeType::Null);
  }

  // The ConfigMap the daemon's config file comes from, checked to be a whole-directory mount.
  std::string config_text() {
    const fs::path path = config_path(daemon_);
    const auto volume = volume_at(path.parent_path().string());
    EXPECT_TRUE(volume.IsMap()) << "nothing mounted at " << path.parent_path();
    if (!volume.IsMap() || !volume["configMap"].IsMap()) {
      ADD_FAILURE() << path.parent_path() << " is not a ConfigMap volume";
      return {};
    }
    EXPECT_FALSE(volume["configMap"]["items"].IsDefined()) << "items remap the file names";
    const auto map = find_object(docs_, "ConfigMap", volume["configMap"]["name"].as<std::string>());
    EXPECT_TRUE(map.IsMap()) << "ConfigMap " << volume["configMap"]["name"] << " not in the file";
    const auto text = map["data"][path.filename().string()];
    EXPECT_TRUE(text.IsScalar()) << "the ConfigMap has no key " << path.filename();
    return text.IsScalar() ? text.as<std::string>() : std::string();
  }

  config::config load_typed_config() {
    auto env = container_env(daemon_);
    config::load_options options;
    options.check_files = false;
    options.env = [env](std::string_view name) -> std::optional<std::string> {
      auto it = env.find(std::string(name));
      return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    auto result = config::load_config_string(config_text(), GetParam().file, options);
    if (!result.ok()) {
      std::string all;
      for (const auto& e : result.errors) {
        all += to_string(e) + "\n";
      }
      throw std::runtime_error(all);
    }
    return *result.value;
  }

  std::vector<YAML::Node> docs_;
  YAML::Node deployment_;
  YAML::Node pod_;
  YAML::Node daemon_;
};

TEST_P(Workload, EmbeddedConfigPassesTheDaemonsCheckConfig) {
  scratch_dir dir("check");
  const auto file = dir.write("config.yaml", config_text());
  std::vector<std::string> env;
  for (const auto& [name, value] : container_env(daemon_)) {
    env.push_back(name + "=" + value);
  }
  auto r = run({REFRESHD_DAEMON_BINARY, "check-config", "-c", file.string(), "--skip-file-checks",
                "--output", "json"},
               env, 60s);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["valid"].get<bool>());
  EXPECT_FALSE(j["collections"].empty());
}

TEST_P(Workload, MetricsPortMatchesTheListenAddressAndTheDaemonDefault) {
  const auto cfg = load_typed_config();
  EXPECT_NE(cfg.listen.host, "127.0.0.1") << "probes and Prometheus cannot reach loopback";
  EXPECT_NE(cfg.listen.host, "localhost");
  EXPECT_EQ(cfg.listen.port, config::listen_address{}.port) << "keep the daemon's default port";
  const auto port = find_named(daemon_["ports"], "metrics");
  ASSERT_TRUE(port.IsMap()) << "no container port named metrics";
  EXPECT_EQ(port["containerPort"].as<int>(), cfg.listen.port);
}

TEST_P(Workload, ProbesUseHealthzAndReadyzOnTheMetricsPort) {
  const std::pair<const char*, const char*> probes[] = {{"livenessProbe", "/healthz"},
                                                        {"readinessProbe", "/readyz"}};
  for (const auto& [probe, path] : probes) {
    const auto get = daemon_[probe]["httpGet"];
    ASSERT_TRUE(get.IsMap()) << probe << " is not an httpGet probe";
    EXPECT_EQ(get["path"].as<std::string>(), path) << probe;
    const auto port = get["port"].as<std::string>();
    EXPECT_TRUE(
        port == "metrics" ||
        port == std::to_string(find_named(daemon_["ports"], "metrics")["containerPort"].as<int>()))
        << probe << " port " << port;
  }
}

TEST_P(Workload, ConfigIsADirectoryMountAtThePathTheDaemonReads) {
  // config_text() checks the mount (directory, no subPath, read-only, no items remapping).
  EXPECT_FALSE(config_text().empty());
  EXPECT_EQ(config_path(daemon_), "/etc/milvus-refreshd/config.yaml")
      << "the image and the docs use the default path";
}

TEST_P(Workload, EveryTokenFileIsInAMountedSecret) {
  const auto cfg = load_typed_config();
  ASSERT_FALSE(cfg.clusters.empty());
  for (const auto& cluster : cfg.clusters) {
    ASSERT_EQ(cluster.token.kind, config::token_kind::file) << cluster.name;
    const fs::path token = cluster.token.reference;
    const auto volume = volume_at(token.parent_path().string());
    ASSERT_TRUE(volume.IsMap() && volume["secret"].IsMap())
        << token << " is not in a Secret volume";
    const auto secret =
        find_object(docs_, "Secret", volume["secret"]["secretName"].as<std::string>());
    ASSERT_TRUE(secret.IsMap()) << "the placeholder Secret is missing";
    const auto key = token.filename().string();
    EXPECT_TRUE(secret["stringData"][key].IsDefined() || secret["data"][key].IsDefined())
        << "the Secret has no key " << key;
  }
}

// docs/HTTP.md: the listener is HTTPS and guards the read endpoints; its files come from mounted
// Secrets; the probes speak HTTPS and need no credential.
TEST_P(Workload, ListenerUsesTlsAndReadAuthFromMountedSecrets) {
  const auto cfg = load_typed_config();
  ASSERT_TRUE(cfg.listen_tls.enabled()) << "a pod IP is not loopback: serve HTTPS";
  ASSERT_TRUE(cfg.read_auth.enabled());
  ASSERT_EQ(cfg.read_auth.token.kind, config::token_kind::file);
  for (const std::string& path :
       {cfg.listen_tls.cert_file, cfg.listen_tls.key_file, cfg.read_auth.token.reference}) {
    const fs::path p = path;
    const auto volume = volume_at(p.parent_path().string());
    ASSERT_TRUE(volume.IsMap() && volume["secret"].IsMap()) << p << " is not in a Secret volume";
    const auto secret =
        find_object(docs_, "Secret", volume["secret"]["secretName"].as<std::string>());
    ASSERT_TRUE(secret.IsMap()) << "the placeholder Secret for " << p << " is missing";
    EXPECT_TRUE(secret["stringData"][p.filename().string()].IsDefined()) << p;
  }
  for (const char* probe : {"livenessProbe", "readinessProbe"}) {
    EXPECT_EQ(daemon_[probe]["httpGet"]["scheme"].as<std::string>(""), "HTTPS") << probe;
    EXPECT_FALSE(daemon_[probe]["httpGet"]["httpHeaders"].IsDefined()) << "probes stay open";
  }
}

TEST_P(Workload, ReplicasOfACollectionShareItsSlotTimes) {
  // With random jitter, replicas fire minutes apart and a later replica that finds the job
  // already finished starts another one: up to N refreshes per slot (docs/KUBERNETES.md).
  const auto cfg = load_typed_config();
  for (const auto& cluster : cfg.clusters) {
    for (const auto& c : cluster.collections) {
      if (c.settings->jitter.count() > 0) {
        EXPECT_EQ(config::to_string(c.settings->jitter_mode), "fixed") << c.name;
      }
    }
  }
}

TEST_P(Workload, DaemonContainerIsLockedDown) {
  const auto sc = daemon_["securityContext"];
  ASSERT_TRUE(sc.IsMap());
  EXPECT_TRUE(sc["runAsNonRoot"].as<bool>(false));
  EXPECT_EQ(sc["runAsUser"].as<int>(0), 65532) << "the image's non-root UID";
  EXPECT_TRUE(sc["readOnlyRootFilesystem"].as<bool>(false));
  EXPECT_FALSE(sc["allowPrivilegeEscalation"].as<bool>(true));
  ASSERT_TRUE(sc["capabilities"]["drop"].IsSequence());
  EXPECT_EQ(sc["capabilities"]["drop"][0].as<std::string>(), "ALL");
  EXPECT_FALSE(sc["capabilities"]["add"].IsDefined());
  EXPECT_EQ(sc["seccompProfile"]["type"].as<std::string>(""), "RuntimeDefault");
  // Secret files are root-owned: the daemon reads them through the pod's fsGroup.
  EXPECT_EQ(pod_["securityContext"]["fsGroup"].as<int>(0), sc["runAsGroup"].as<int>(-1));
}

TEST_P(Workload, ResourcesAreRequestedAndLimited) {
  const auto res = daemon_["resources"];
  ASSERT_TRUE(res["requests"]["cpu"].IsScalar());
  ASSERT_TRUE(res["limits"]["cpu"].IsScalar());
  const auto request = memory_bytes(res["requests"]["memory"].as<std::string>());
  const auto limit = memory_bytes(res["limits"]["memory"].as<std::string>());
  // bench/RESULTS.md: ≤ 32 MiB steady RSS with 10,000 collections; startup and reload peaks go
  // above.
  EXPECT_GE(request, 32ULL << 20);
  EXPECT_GE(limit, 2 * request);
  EXPECT_LE(limit, 512ULL << 20) << "tens of MiB, not a JVM";
}

TEST_P(Workload, RunsTheImageOfThisVersion) {
  EXPECT_EQ(daemon_["image"].as<std::string>(), std::string("milvus-refreshd:") + REFRESHD_VERSION);
  ASSERT_TRUE(daemon_["command"].IsSequence());
  EXPECT_EQ(daemon_["command"][0].as<std::string>(), "/usr/bin/milvus-refreshd");
  EXPECT_EQ(daemon_["args"][0].as<std::string>(), "run");
}

INSTANTIATE_TEST_SUITE_P(KubernetesManifests, Workload,
                         ::testing::Values(workload_case{"sidecar.yaml", "search-api", "Sidecar"},
                                           workload_case{"sidecar-leader-election.yaml",
                                                         "search-api", "SidecarLeaderElection"},
                                           workload_case{"deployment.yaml", "milvus-refreshd",
                                                         "Standalone"}),
                         [](const ::testing::TestParamInfo<workload_case>& p) {
                           return std::string(p.param.test_name);
                         });

}  // namespace
}  // namespace refreshd::test::k8s
