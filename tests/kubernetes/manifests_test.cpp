// deploy/kubernetes/: every manifest parses, kinds and API versions are the expected ones, the
// Service, PodMonitor and kustomization point at what exists, and the standalone Deployment is a
// single replica without a Kubernetes API token.
#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "manifest_support.hpp"

namespace refreshd::test::k8s {
namespace {

namespace fs = std::filesystem;

const std::map<std::string, std::vector<std::string>>& expected_objects() {
  static const std::map<std::string, std::vector<std::string>> objects{
      {"sidecar.yaml",
       {"v1 ConfigMap", "v1 Secret", "v1 Secret", "v1 Secret", "apps/v1 Deployment"}},
      {"deployment.yaml",
       {"v1 ServiceAccount", "v1 ConfigMap", "v1 Secret", "v1 Secret", "v1 Secret",
        "apps/v1 Deployment"}},
      {"sidecar-leader-election.yaml",
       {"v1 ServiceAccount", "rbac.authorization.k8s.io/v1 Role",
        "rbac.authorization.k8s.io/v1 RoleBinding", "v1 ConfigMap", "v1 Secret", "v1 Secret",
        "v1 Secret", "apps/v1 Deployment"}},
      {"service.yaml", {"v1 Service"}},
      {"podmonitor.yaml", {"monitoring.coreos.com/v1 PodMonitor"}},
      {"prometheusrule.yaml", {"monitoring.coreos.com/v1 PrometheusRule"}},
      {"kustomization.yaml", {"kustomize.config.k8s.io/v1beta1 Kustomization"}},
  };
  return objects;
}

// Every label of `selector` is on `labels` with the same value.
void expect_selects(const YAML::Node& selector, const YAML::Node& labels, const std::string& what) {
  ASSERT_TRUE(selector.IsMap() && selector.size() > 0) << what << ": empty selector";
  for (const auto& entry : selector) {
    const auto key = entry.first.as<std::string>();
    ASSERT_TRUE(labels[key].IsDefined()) << what << ": pods lack label " << key;
    EXPECT_EQ(labels[key].as<std::string>(), entry.second.as<std::string>()) << what << ": " << key;
  }
}

TEST(KubernetesManifests, EveryFileParsesWithTheExpectedKindsAndNames) {
  std::set<std::string> seen;
  for (const auto& entry : fs::directory_iterator(manifests_dir())) {
    if (entry.path().extension() != ".yaml" && entry.path().extension() != ".yml") {
      continue;
    }
    const auto file = entry.path().filename().string();
    seen.insert(file);
    auto it = expected_objects().find(file);
    ASSERT_NE(it, expected_objects().end()) << file << " is not covered by the manifest tests";
    std::vector<std::string> found;
    for (const auto& doc : load_documents(entry.path())) {
      ASSERT_TRUE(doc.IsMap()) << file;
      found.push_back(doc["apiVersion"].as<std::string>("?") + " " +
                      doc["kind"].as<std::string>("?"));
      if (doc["kind"].as<std::string>("") != "Kustomization") {
        EXPECT_FALSE(doc["metadata"]["name"].as<std::string>("").empty())
            << file << ": " << found.back() << " has no metadata.name";
      }
    }
    EXPECT_EQ(found, it->second) << file;
  }
  for (const auto& [file, kinds] : expected_objects()) {
    EXPECT_TRUE(seen.contains(file)) << file << " is missing from deploy/kubernetes/";
  }
}

TEST(KubernetesManifests, DeploymentSelectorsMatchTheirPodLabels) {
  for (const char* file : {"sidecar.yaml", "deployment.yaml"}) {
    const auto deployment = find_object(load_documents(file), "Deployment");
    ASSERT_TRUE(deployment.IsMap()) << file;
    expect_selects(deployment["spec"]["selector"]["matchLabels"],
                   deployment["spec"]["template"]["metadata"]["labels"], file);
  }
}

TEST(KubernetesManifests, PodMonitorScrapesTheMetricsPortOfBothWorkloads) {
  const auto monitor = find_object(load_documents("podmonitor.yaml"), "PodMonitor");
  ASSERT_TRUE(monitor.IsMap());
  const auto endpoints = monitor["spec"]["podMetricsEndpoints"];
  ASSERT_TRUE(endpoints.IsSequence());
  ASSERT_EQ(endpoints.size(), 1U);
  EXPECT_EQ(endpoints[0]["port"].as<std::string>(""), "metrics");
  EXPECT_EQ(endpoints[0]["path"].as<std::string>("/metrics"), "/metrics");
  for (const char* file : {"sidecar.yaml", "deployment.yaml"}) {
    const auto deployment = find_object(load_documents(file), "Deployment");
    expect_selects(monitor["spec"]["selector"]["matchLabels"],
                   deployment["spec"]["template"]["metadata"]["labels"],
                   std::string("PodMonitor vs ") + file);
    const auto daemon = find_container(deployment, "milvus-refreshd");
    EXPECT_TRUE(find_named(daemon["ports"], "metrics").IsMap()) << file;
  }
}

// docs/HTTP.md: Prometheus scrapes over HTTPS, verifying the daemon against the CA of the Secret
// the daemon's certificate comes from, with the read_auth token of the Secret the daemon reads.
TEST(KubernetesManifests, PodMonitorScrapesOverHttpsWithTheReadToken) {
  const auto monitor = find_object(load_documents("podmonitor.yaml"), "PodMonitor");
  ASSERT_TRUE(monitor.IsMap());
  const auto ep = monitor["spec"]["podMetricsEndpoints"][0];
  EXPECT_EQ(ep["scheme"].as<std::string>(""), "https");
  EXPECT_FALSE(ep["tlsConfig"]["insecureSkipVerify"].as<bool>(false));
  EXPECT_FALSE(ep["tlsConfig"]["serverName"].as<std::string>("").empty());
  const auto ca = ep["tlsConfig"]["ca"]["secret"];
  EXPECT_EQ(ep["authorization"]["type"].as<std::string>(""), "Bearer");
  const auto token = ep["authorization"]["credentials"];
  for (const char* file : {"sidecar.yaml", "deployment.yaml"}) {
    const auto docs = load_documents(file);
    const auto deployment = find_object(docs, "Deployment");
    std::set<std::string> secrets;
    for (const auto& v : deployment["spec"]["template"]["spec"]["volumes"]) {
      if (v["secret"].IsDefined()) {
        secrets.insert(v["secret"]["secretName"].as<std::string>());
      }
    }
    EXPECT_TRUE(secrets.contains(ca["name"].as<std::string>(""))) << file;
    EXPECT_TRUE(secrets.contains(token["name"].as<std::string>(""))) << file;
    const auto tls = find_object(docs, "Secret", ca["name"].as<std::string>(""));
    ASSERT_TRUE(tls.IsMap()) << file;
    EXPECT_EQ(tls["type"].as<std::string>(""), "kubernetes.io/tls");
    EXPECT_TRUE(tls["stringData"][ca["key"].as<std::string>("")].IsDefined()) << file;
    const auto read = find_object(docs, "Secret", token["name"].as<std::string>(""));
    ASSERT_TRUE(read.IsMap()) << file;
    EXPECT_TRUE(read["stringData"][token["key"].as<std::string>("")].IsDefined()) << file;
  }
}

// docs/OPERATIONS.md "Pause": the read-only root file system leaves state_dir writable through a
// volume of its own.
TEST(KubernetesManifests, EveryWorkloadMountsAWritableStateDir) {
  for (const char* file : {"sidecar.yaml", "deployment.yaml", "sidecar-leader-election.yaml"}) {
    const auto deployment = find_object(load_documents(file), "Deployment");
    ASSERT_TRUE(deployment.IsMap()) << file;
    const auto pod = deployment["spec"]["template"]["spec"];
    bool mounted = false;
    for (const auto& c : pod["containers"]) {
      if (c["name"].as<std::string>("") != "milvus-refreshd") {
        continue;
      }
      for (const auto& m : c["volumeMounts"]) {
        if (m["mountPath"].as<std::string>("") == "/var/lib/milvus-refreshd") {
          mounted = !m["readOnly"].as<bool>(false);
          bool empty_dir = false;
          for (const auto& v : pod["volumes"]) {
            empty_dir =
                empty_dir || (v["name"].as<std::string>("") == m["name"].as<std::string>() &&
                              v["emptyDir"].IsDefined());
          }
          EXPECT_TRUE(empty_dir) << file;
        }
      }
    }
    EXPECT_TRUE(mounted) << file << ": /var/lib/milvus-refreshd is not a writable mount";
  }
}

TEST(KubernetesManifests, ServiceTargetsTheStandaloneMetricsPort) {
  const auto service = find_object(load_documents("service.yaml"), "Service");
  const auto deployment = find_object(load_documents("deployment.yaml"), "Deployment");
  ASSERT_TRUE(service.IsMap() && deployment.IsMap());
  expect_selects(service["spec"]["selector"], deployment["spec"]["template"]["metadata"]["labels"],
                 "Service");
  const auto port = find_named(service["spec"]["ports"], "metrics");
  ASSERT_TRUE(port.IsMap()) << "the Service has no port named metrics";
  const auto container_port =
      find_named(find_container(deployment, "milvus-refreshd")["ports"], "metrics");
  ASSERT_TRUE(container_port.IsMap());
  EXPECT_EQ(port["port"].as<int>(), container_port["containerPort"].as<int>());
  const auto target = port["targetPort"].as<std::string>();
  EXPECT_TRUE(target == "metrics" || target == container_port["containerPort"].as<std::string>())
      << "targetPort " << target;
}

TEST(KubernetesManifests, StandaloneRunsOneReplicaWithoutAKubernetesApiToken) {
  const auto docs = load_documents("deployment.yaml");
  const auto deployment = find_object(docs, "Deployment");
  ASSERT_TRUE(deployment.IsMap());
  EXPECT_EQ(deployment["spec"]["replicas"].as<int>(), 1);
  const auto pod = deployment["spec"]["template"]["spec"];
  EXPECT_FALSE(pod["automountServiceAccountToken"].as<bool>(true));
  const auto account =
      find_object(docs, "ServiceAccount", pod["serviceAccountName"].as<std::string>(""));
  ASSERT_TRUE(account.IsMap()) << "serviceAccountName does not name the ServiceAccount in the file";
  EXPECT_FALSE(account["automountServiceAccountToken"].as<bool>(true));
  // SIGTERM drains within 5 s (docs/DAEMON.md); the kubelet must wait at least that long.
  EXPECT_GT(pod["terminationGracePeriodSeconds"].as<int>(30), 5);
}

// Leader election needs get, create and update on leases, for the account the pods run as, and
// nothing more (docs/COORDINATION.md "Kubernetes Lease").
TEST(KubernetesManifests, LeaderElectionGrantsExactlyTheLeaseVerbsToThePodsAccount) {
  const auto docs = load_documents("sidecar-leader-election.yaml");
  const auto role = find_object(docs, "Role");
  ASSERT_TRUE(role.IsMap());
  ASSERT_EQ(role["rules"].size(), 1u);
  const auto rule = role["rules"][0];
  EXPECT_EQ(rule["apiGroups"].as<std::vector<std::string>>(),
            std::vector<std::string>{"coordination.k8s.io"});
  EXPECT_EQ(rule["resources"].as<std::vector<std::string>>(), std::vector<std::string>{"leases"});
  auto verbs = rule["verbs"].as<std::vector<std::string>>();
  std::sort(verbs.begin(), verbs.end());
  EXPECT_EQ(verbs, (std::vector<std::string>{"create", "get", "update"}));
  const auto binding = find_object(docs, "RoleBinding");
  EXPECT_EQ(binding["roleRef"]["name"].as<std::string>(),
            role["metadata"]["name"].as<std::string>());
  const auto pod = find_object(docs, "Deployment")["spec"]["template"]["spec"];
  const auto account = pod["serviceAccountName"].as<std::string>("");
  EXPECT_EQ(binding["subjects"][0]["name"].as<std::string>(), account);
  EXPECT_TRUE(find_object(docs, "ServiceAccount", account).IsMap());
  EXPECT_TRUE(pod["automountServiceAccountToken"].as<bool>(false)) << "the Lease API needs it";
  EXPECT_GT(find_object(docs, "Deployment")["spec"]["replicas"].as<int>(), 1);
}

TEST(KubernetesManifests, KustomizationListsExistingManifestsOnce) {
  const auto docs = load_documents("kustomization.yaml");
  ASSERT_EQ(docs.size(), 1U);
  const auto resources = docs[0]["resources"];
  ASSERT_TRUE(resources.IsSequence() && resources.size() > 0);
  std::set<std::string> listed;
  for (const auto& r : resources) {
    const auto file = r.as<std::string>();
    EXPECT_TRUE(fs::exists(manifests_dir() / file)) << file;
    EXPECT_TRUE(listed.insert(file).second) << file << " listed twice";
  }
  for (const char* file :
       {"deployment.yaml", "service.yaml", "podmonitor.yaml", "prometheusrule.yaml"}) {
    EXPECT_TRUE(listed.contains(file)) << file;
  }
  // The sidecar example shares the PodMonitor; it is adapted into an app, not applied with it.
  EXPECT_FALSE(listed.contains("sidecar.yaml"));
}

TEST(KubernetesManifests, MemoryQuantitiesParse) {
  EXPECT_EQ(memory_bytes("64Mi"), 64ULL << 20);
  EXPECT_EQ(memory_bytes("1Gi"), 1ULL << 30);
  EXPECT_EQ(memory_bytes("1024"), 1024ULL);
  EXPECT_THROW(memory_bytes("64M"), std::invalid_argument);
}

}  // namespace
}  // namespace refreshd::test::k8s
