// milvus_refresh_coordination_* (docs/METRICS.md "Coordination"): one replica's view of the
// replicas sharing the collections. Every family has one series (no per-collection label).
#include "metrics_families.hpp"

namespace refreshd::daemon::metrics_detail {
namespace {

using prometheus::MetricType;

void one(family_writer& w, const char* name, const char* help, MetricType type, double value) {
  auto f = make_family(name, help, type);
  f.metric.push_back(type == MetricType::Counter ? counter_metric({}, value)
                                                 : gauge_metric({}, value));
  w.write(std::move(f));
}

double count(std::uint64_t n) {
  return static_cast<double>(n);
}

}  // namespace

void write_coordination_families(family_writer& w, const coordination_status& c) {
  auto info =
      make_family("milvus_refresh_coordination_info",
                  "This replica's coordination backend and id (value 1).", MetricType::Gauge);
  info.metric.push_back(gauge_metric({{"backend", c.backend}, {"replica_id", c.replica_id}}, 1));
  w.write(std::move(info));
  one(w, "milvus_refresh_coordination_lease_valid",
      "Whether this replica's lease may be acted on now (1); 0: it drives nothing.",
      MetricType::Gauge, c.lease_valid ? 1 : 0);
  one(w, "milvus_refresh_coordination_members", "Live replicas seen at the last membership read.",
      MetricType::Gauge, count(c.members));
  one(w, "milvus_refresh_coordination_owned_collections",
      "Collections this replica holds a claim on (and drives).", MetricType::Gauge, count(c.owned));
  one(w, "milvus_refresh_coordination_lease_grants_total",
      "Leases granted to this replica (a new one after each loss).", MetricType::Counter,
      count(c.lease_grants));
  one(w, "milvus_refresh_coordination_lease_renewals_total", "Lease renewals etcd confirmed.",
      MetricType::Counter, count(c.renewals));
  one(w, "milvus_refresh_coordination_lease_renewal_failures_total",
      "Lease renewals that failed (no answer, an error, or the lease gone).", MetricType::Counter,
      count(c.renewal_failures));
  one(w, "milvus_refresh_coordination_claims_total",
      "Collections this replica claimed (taken over or first claimed).", MetricType::Counter,
      count(c.claims));
  one(w, "milvus_refresh_coordination_handoffs_total",
      "Collections this replica released to another (hand-offs).", MetricType::Counter,
      count(c.releases));
  one(w, "milvus_refresh_coordination_fence_refusals_total",
      "Triggers not sent because the fence found the claim no longer this replica's.",
      MetricType::Counter, count(c.fence_refusals));
}

}  // namespace refreshd::daemon::metrics_detail
