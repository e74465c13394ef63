// The CLI's context (docs/CLI.md "Context"): which cluster, database and collection a command is
// about, and the messages when the config cannot say.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <refreshd/cli/context.hpp>
#include <refreshd/cli/target.hpp>
#include <refreshd/config/loader.hpp>

namespace refreshd::daemon {
namespace {

cli_context context_of(const std::string& yaml) {
  config::load_options options;
  options.check_files = false;
  auto loaded = config::load_config_string(yaml, "ctx.yaml", options);
  EXPECT_TRUE(loaded.ok()) << config::to_string(loaded.errors);
  cli_context ctx;
  ctx.file = "/etc/milvus-refreshd/config.yaml";
  ctx.origin = cli_context::origin_kind::variable;
  ctx.config = std::make_shared<const config::config>(std::move(*loaded.value));
  return ctx;
}

const std::string two_clusters = R"(version: 1
defaults: {schedule: "@hourly"}
clusters:
  - name: prod
    endpoint: http://127.0.0.1:1
    token_env: PROD_TOKEN
    collections:
      - {name: ext_books, external_source: "s3://lake/books/", external_spec: '{"format":"parquet"}'}
      - {name: ext_reviews}
      - {name: ext_movies, database: media}
  - name: staging
    endpoint: http://127.0.0.1:2
    token_file: /run/staging.token
    database: stage
    collections:
      - {name: ext_books}
)";

std::string usage_message(const std::function<void()>& f) {
  try {
    f();
  } catch (const usage_error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no usage_error";
  return {};
}

TEST(Context, AUniqueNameChoosesItsClusterAndDatabase) {
  const auto ctx = context_of(two_clusters);
  auto c = choose_from_context(ctx, "", "", "ext_movies");
  EXPECT_EQ(c.cluster->name, "prod");
  EXPECT_EQ(c.database, "media");
  ASSERT_NE(c.collection, nullptr);
  c = choose_from_context(ctx, "staging", "", "ext_books");
  EXPECT_EQ(c.cluster->name, "staging");
  EXPECT_EQ(c.database, "stage");
  c = choose_from_context(ctx, "", "stage", "ext_books");  // the database tells them apart
  EXPECT_EQ(c.cluster->name, "staging");
}

TEST(Context, AnAmbiguousNameListsTheCandidates) {
  const auto ctx = context_of(two_clusters);
  const auto m = usage_message([&] { choose_from_context(ctx, "", "", "ext_books"); });
  EXPECT_NE(m.find("collection ext_books is ambiguous in /etc/milvus-refreshd/config.yaml "
                   "($MILVUS_REFRESHD_CONFIG): prod/default/ext_books, staging/stage/ext_books "
                   "(give --cluster or --database)"),
            std::string::npos)
      << m;
}

TEST(Context, TheAmbiguityMessageOffersOnlyWhatTellsTheCandidatesApart) {
  const auto ctx = context_of(R"(version: 1
defaults: {schedule: "@hourly"}
clusters:
  - name: prod
    endpoint: http://127.0.0.1:1
    token: ""
    collections: [{name: ext_reviews}, {name: ext_reviews, database: media}]
  - name: staging
    endpoint: http://127.0.0.1:2
    token: ""
    collections: [{name: ext_reviews}]
)");
  auto m = usage_message([&] { choose_from_context(ctx, "prod", "", "ext_reviews"); });
  EXPECT_NE(m.find(": prod/default/ext_reviews, prod/media/ext_reviews (give --database)"),
            std::string::npos)
      << m;
  m = usage_message([&] { choose_from_context(ctx, "", "default", "ext_reviews"); });
  EXPECT_NE(m.find(": prod/default/ext_reviews, staging/default/ext_reviews (give --cluster)"),
            std::string::npos)
      << m;
  EXPECT_EQ(choose_from_context(ctx, "prod", "media", "ext_reviews").database, "media");
}

TEST(Context, ConfiguredOnlyRefusesAnUnconfiguredNameEvenWithACluster) {
  const auto ctx = context_of(two_clusters);
  const auto m = usage_message(
      [&] { choose_from_context(ctx, "prod", "", "ext_review", /*configured_only=*/true); });
  EXPECT_NE(m.find("no collection ext_review in the config /etc/milvus-refreshd/config.yaml "
                   "($MILVUS_REFRESHD_CONFIG) on cluster prod; did you mean "
                   "prod/default/ext_reviews"),
            std::string::npos)
      << m;
  EXPECT_EQ(m.find("give --cluster"), std::string::npos) << "no advice that cannot work: " << m;
}

TEST(Context, DatabaseOverridesTheConfiguredOne) {
  const auto ctx = context_of(two_clusters);
  const auto c = choose_from_context(ctx, "", "archive", "ext_reviews");
  EXPECT_EQ(c.cluster->name, "prod");
  EXPECT_EQ(c.database, "archive");
  EXPECT_EQ(c.collection, nullptr) << "another database's collection: not the configured one";
}

TEST(Context, AnUnknownNameSuggestsTheNearestOnesUnlessAClusterIsGiven) {
  const auto ctx = context_of(two_clusters);
  auto m = usage_message([&] { choose_from_context(ctx, "", "", "ext_bokos"); });
  EXPECT_NE(m.find("no collection ext_bokos in the config /etc/milvus-refreshd/config.yaml "
                   "($MILVUS_REFRESHD_CONFIG); did you mean prod/default/ext_books, "
                   "staging/stage/ext_books?"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("give --cluster"), std::string::npos) << m;
  m = usage_message([&] { choose_from_context(ctx, "", "", "orders"); });
  EXPECT_EQ(m.find("did you mean"), std::string::npos) << m;
  // With --cluster the config need not hold it: the nearest names are kept for a hint.
  const auto c = choose_from_context(ctx, "prod", "", "ext_review");
  EXPECT_EQ(c.cluster->name, "prod");
  EXPECT_EQ(c.database, "default");
  EXPECT_EQ(c.collection, nullptr);
  ASSERT_FALSE(c.nearest.empty());
  EXPECT_EQ(c.nearest.front(), "prod/default/ext_reviews") << "closest first";
}

TEST(Context, WithoutANameTheOnlyClusterOrGiveCluster) {
  auto m = usage_message([&] { choose_from_context(context_of(two_clusters), "", "", ""); });
  EXPECT_NE(m.find("has 2 clusters: give --cluster (one of prod, staging)"), std::string::npos)
      << m;
  m = usage_message([&] { choose_from_context(context_of(two_clusters), "stagng", "", ""); });
  EXPECT_NE(m.find("--cluster stagng: no such cluster in /etc/milvus-refreshd/config.yaml "
                   "($MILVUS_REFRESHD_CONFIG); did you mean staging? (clusters: prod, staging)"),
            std::string::npos)
      << m;
  const auto one = context_of(R"(version: 1
clusters: [{name: only, endpoint: "http://127.0.0.1:1", token: "", database: db1,
            collections: [{name: c, schedule: "@daily"}]}]
)");
  auto c = choose_from_context(one, "", "", "");
  EXPECT_EQ(c.cluster->name, "only");
  EXPECT_EQ(c.database, "db1");
  c = choose_from_context(one, "", "", "not_configured");  // one cluster: it is the context
  EXPECT_EQ(c.cluster->name, "only");
  EXPECT_EQ(c.collection, nullptr);
}

TEST(Context, LongListsOfNamesAreCut) {
  std::vector<std::string> names;
  for (int i = 0; i < 12; ++i) {
    names.push_back("c" + std::to_string(i));
  }
  EXPECT_EQ(join_names(names), "c0, c1, c2, c3, c4, c5, c6, c7, c8, c9 and 2 more");
  EXPECT_EQ(join_names({"a", "b\x1b"}), "a, b\\x1b") << "escaped";
}

TEST(Context, ClustersAndCollectionsShowTheContextWithoutSecrets) {
  const auto ctx = context_of(two_clusters);
  std::ostringstream out;
  print_clusters(ctx, output_format::text, out);
  EXPECT_NE(out.str().find("prod     http://127.0.0.1:1  default   3            env PROD_TOKEN"),
            std::string::npos)
      << out.str();
  EXPECT_NE(out.str().find("2 clusters in /etc/milvus-refreshd/config.yaml.\n"), std::string::npos);
  out.str("");
  print_collections(ctx, "", output_format::json, out);
  const auto j = nlohmann::json::parse(out.str());
  ASSERT_EQ(j["collections"].size(), 4u);
  EXPECT_EQ(j["collections"][0]["external_source"], "s3://lake/books/");
  EXPECT_EQ(j["collections"][2]["database"], "media");
  EXPECT_EQ(out.str().find("parquet"), std::string::npos) << "never the spec";
  out.str("");
  print_collections(ctx, "staging", output_format::text, out);
  EXPECT_NE(out.str().find("staging/stage/ext_books  @hourly   UTC       active  (kept by the "
                           "server)"),
            std::string::npos)
      << out.str();
  EXPECT_NE(out.str().find("1 collection in"), std::string::npos) << out.str();
  EXPECT_THROW(print_collections(ctx, "nope", output_format::text, out), usage_error);
}

}  // namespace
}  // namespace refreshd::daemon
