// external_source / external_spec rules.
#include <gtest/gtest.h>

#include "config_test_support.hpp"

namespace refreshd::config {
namespace {

const std::string parquet = "'{\"format\":\"parquet\"}'";

std::string pair(const std::string& source, const std::string& spec) {
  return test::with_collection("external_source: " + source + "\nexternal_spec: " + spec);
}

class AcceptsExternalSource : public ::testing::TestWithParam<std::string> {};

TEST_P(AcceptsExternalSource, WithExplicitScheme) {
  const load_result r = test::load(pair(GetParam(), parquet));
  ASSERT_TRUE(r.ok()) << test::dump(r);
  const collection& c = r.value->clusters[0].collections[0];
  EXPECT_EQ(c.external->source, GetParam());
  EXPECT_EQ(c.external->spec.reveal(), "{\"format\":\"parquet\"}");
  EXPECT_TRUE(c.has_external());
}

INSTANTIATE_TEST_SUITE_P(Table, AcceptsExternalSource,
                         ::testing::Values("s3://bucket/books/", "gs://b/p",
                                           "volume://lake/movies/", "s3a://bucket/x",
                                           "minio+s3://host:9000/b/p",
                                           "abfss://container/path?version=2",
                                           "s3://bucket/path@v2/"));

struct source_error_case {
  std::string source;
  std::string message;
};

class RejectsExternalSource : public ::testing::TestWithParam<source_error_case> {};

TEST_P(RejectsExternalSource, AtTheValue) {
  const load_result r = test::load(pair(GetParam().source, parquet));
  ASSERT_EQ(r.errors.size(), 1u) << test::dump(r);
  EXPECT_EQ(r.errors[0].line, 9);
  EXPECT_EQ(r.errors[0].column, 26);
  EXPECT_EQ(r.errors[0].path, "clusters[0].collections[0].external_source");
  EXPECT_NE(r.errors[0].message.find(GetParam().message), std::string::npos) << r.errors[0].message;
}

INSTANTIATE_TEST_SUITE_P(
    Table, RejectsExternalSource,
    ::testing::Values(source_error_case{"bucket/books/", "needs an explicit scheme"},
                      source_error_case{"/data/books", "needs an explicit scheme"},
                      source_error_case{"s3:/bucket", "needs an explicit scheme"},
                      source_error_case{"://bucket", "needs an explicit scheme"},
                      source_error_case{"1s3://bucket", "needs an explicit scheme"},
                      source_error_case{"s3://", "nothing after the scheme"},
                      source_error_case{"s3://AKIAKEY:wJalrSECRET@bucket/p",
                                        "must not embed credentials"},
                      source_error_case{"s3://AKIAKEY@bucket/p", "must not embed credentials"},
                      source_error_case{"\"s3://bucket/a b\"", "spaces"}));

struct spec_error_case {
  std::string name;
  std::string spec;
  std::string message;
};

std::ostream& operator<<(std::ostream& os, const spec_error_case& c) {
  return os << c.name;
}

class RejectsExternalSpec : public ::testing::TestWithParam<spec_error_case> {};

TEST_P(RejectsExternalSpec, AtTheValue) {
  const load_result r = test::load(pair("s3://b/p/", GetParam().spec));
  ASSERT_EQ(r.errors.size(), 1u) << test::dump(r);
  EXPECT_EQ(r.errors[0].line, 10);
  EXPECT_EQ(r.errors[0].column, 24);
  EXPECT_EQ(r.errors[0].path, "clusters[0].collections[0].external_spec");
  EXPECT_NE(r.errors[0].message.find(GetParam().message), std::string::npos) << r.errors[0].message;
}

INSTANTIATE_TEST_SUITE_P(
    Table, RejectsExternalSpec,
    ::testing::Values(
        spec_error_case{"NotJson", "'{format: parquet'", "is not valid JSON (error at byte 3)"},
        spec_error_case{"Empty", "''", "is not valid JSON"},
        spec_error_case{"Array", "'[1, 2]'", "must be a JSON object"},
        spec_error_case{"String", "'\"parquet\"'", "must be a JSON object"},
        spec_error_case{"NoFormat", "'{\"columns\":[\"a\"]}'", "has no \"format\""},
        spec_error_case{"FormatNumber", "'{\"format\":1}'", "\"format\" must be a string"},
        spec_error_case{"SnapshotString", "'{\"format\":\"iceberg-table\",\"snapshot_id\":\"7\"}'",
                        "\"snapshot_id\" must be an integer"},
        spec_error_case{"SnapshotFloat", "'{\"format\":\"iceberg-table\",\"snapshot_id\":1.5}'",
                        "\"snapshot_id\" must be an integer"},
        spec_error_case{"YamlSequence", "[a, b]", "got a sequence"},
        spec_error_case{"YamlMappingWithoutFormat", "{columns: [a]}", "has no \"format\""},
        spec_error_case{"YamlMappingQuotedSnapshot", "{format: parquet, snapshot_id: '12'}",
                        "must be an integer"},
        spec_error_case{"UnsetVariable", "'{\"format\":\"parquet\",\"k\":\"${S3_KEY}\"}'",
                        "S3_KEY is not set"}),
    [](const auto& p) { return p.param.name; });

TEST(ExternalSpec, AcceptsEveryKnownFormatWithoutWarning) {
  for (const char* format : {"parquet", "lance-table", "iceberg-table", "vortex"}) {
    const load_result r =
        test::load(pair("s3://b/p/", std::string("'{\"format\":\"") + format +
                                         "\",\"snapshot_id\":449503829274509311}'"));
    ASSERT_TRUE(r.ok()) << format << "\n" << test::dump(r);
    EXPECT_TRUE(r.warnings.empty()) << format << "\n" << test::dump(r);
  }
}

TEST(ExternalSpec, UnknownFormatIsAWarningWithoutTheValue) {
  const load_result r = test::load(pair("s3://b/p/", "'{\"format\":\"delta-lake\"}'"));
  ASSERT_TRUE(r.ok()) << test::dump(r);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0].path, "clusters[0].collections[0].external_spec");
  EXPECT_EQ(r.warnings[0].line, 10);
  EXPECT_NE(r.warnings[0].message.find("is not one of parquet"), std::string::npos);
  EXPECT_EQ(r.warnings[0].message.find("delta-lake"), std::string::npos);
}

TEST(ExternalSpec, UnknownKeysAreAWarning) {
  const load_result r =
      test::load(pair("s3://b/p/", "'{\"format\":\"parquet\",\"region\":\"eu\"}'"));
  ASSERT_TRUE(r.ok()) << test::dump(r);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].message.find("keys other than"), std::string::npos);
}

TEST(ExternalSpec, AcceptsAYamlMappingAndSerializesIt) {
  const load_result r = test::load(test::with_collection(R"(external_source: s3://b/p/
external_spec:
  format: iceberg-table
  snapshot_id: 449503829274509311
  extfs: {use_iam: "true", region: "${REGION:-us-east-1}"}
  columns: [a, b])"));
  ASSERT_TRUE(r.ok()) << test::dump(r);
  EXPECT_EQ(r.value->clusters[0].collections[0].external->spec.reveal(),
            R"({"columns":["a","b"],"extfs":{"region":"us-east-1","use_iam":"true"},)"
            R"("format":"iceberg-table","snapshot_id":449503829274509311})");
}

TEST(ExternalSpec, KeepsAJsonStringAsWritten) {
  const std::string spec = R"({ "format": "vortex",  "snapshot_id": 12 })";
  const load_result r = test::load(pair("s3://b/p/", "'" + spec + "'"));
  ASSERT_TRUE(r.ok()) << test::dump(r);
  EXPECT_EQ(r.value->clusters[0].collections[0].external->spec.reveal(), spec);
}

TEST(ExternalSpec, DeeplyNestedMappingIsRejected) {
  std::string nested = "{format: parquet, extfs: ";
  for (int i = 0; i < 40; ++i) {
    nested += "{a: ";
  }
  nested += "1";
  for (int i = 0; i < 40; ++i) {
    nested += "}";
  }
  nested += "}";
  const load_result r = test::load(pair("s3://b/p/", nested));
  ASSERT_EQ(r.errors.size(), 1u) << test::dump(r);
  EXPECT_NE(r.errors[0].message.find("too deeply nested"), std::string::npos);
}

}  // namespace
}  // namespace refreshd::config
