// The sanitizer behind every text sink (safe_text.hpp): the escape syntax, UTF-8 validation
// edge cases and the JSON hardening.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <refreshd/config/safe_text.hpp>
#include <refreshd/test/hostile_text.hpp>

namespace refreshd::daemon {
namespace {

using test::literal;

TEST(SafeText, OrdinaryUtf8PassesUnchanged) {
  const std::string_view ok =
      "ext_books caf\xc3\xa9 \xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x98\x80 "
      "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9 a\\b \"q\" 'a' &<>";
  EXPECT_EQ(safe_text(ok), ok);
  EXPECT_TRUE(is_safe_text(ok));
  EXPECT_TRUE(is_safe_text(""));
}

TEST(SafeText, ControlsBecomeVisibleEscapes) {
  EXPECT_EQ(safe_text(literal("a\x1b[2Jb\x07\x7f\0")), "a\\x1b[2Jb\\x07\\x7f\\x00");
  EXPECT_EQ(safe_text("l1\r\nl2\tx"), "l1\\r\\nl2\\tx");
  EXPECT_FALSE(is_safe_text("a\nb"));
}

TEST(SafeText, C1AndBidiBecomeUnicodeEscapes) {
  EXPECT_EQ(safe_text("\xc2\x9b"
                      "31m"),
            "\\u009b31m");
  EXPECT_EQ(safe_text("\xc2\x80\xc2\x9f\xc2\xa0"), "\\u0080\\u009f\xc2\xa0") << "NBSP is text";
  EXPECT_EQ(safe_text("\xe2\x80\xaa\xe2\x80\xae\xe2\x81\xa6\xe2\x81\xa9"),
            "\\u202a\\u202e\\u2066\\u2069");
  EXPECT_EQ(safe_text("\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c\xe2\x80\xa8\xe2\x80\xa9"),
            "\\u200e\\u200f\\u061c\\u2028\\u2029");
  EXPECT_FALSE(is_safe_text("\xe2\x80\xae"));
}

TEST(SafeText, InvalidUtf8BecomesByteEscapes) {
  EXPECT_EQ(safe_text("\x9b"
                      "31m"),
            "\\x9b31m")
      << "a raw C1 byte";
  EXPECT_EQ(safe_text("\xc0\xaf"), "\\xc0\\xaf") << "overlong '/'";
  EXPECT_EQ(safe_text("\xe0\x80\xaf"), "\\xe0\\x80\\xaf") << "overlong, 3 bytes";
  EXPECT_EQ(safe_text("\xf0\x80\x80\xaf"), "\\xf0\\x80\\x80\\xaf") << "overlong, 4 bytes";
  EXPECT_EQ(safe_text("\xed\xa0\x80"), "\\xed\\xa0\\x80") << "surrogate";
  EXPECT_EQ(safe_text("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80") << "above U+10FFFF";
  EXPECT_EQ(safe_text("\xff\xfe"), "\\xff\\xfe");
  EXPECT_EQ(safe_text("a\xe2\x82"), "a\\xe2\\x82") << "truncated at the end";
  EXPECT_EQ(safe_text("\xe2\x82z"), "\\xe2\\x82z") << "truncated before ASCII";
  EXPECT_EQ(safe_text("\xe2\x82\xe2\x82\xac"), "\\xe2\\x82\xe2\x82\xac") << "then a valid euro";
  EXPECT_EQ(safe_text("\xf4\x8f\xbf\xbf"), "\xf4\x8f\xbf\xbf") << "U+10FFFF is well-formed";
}

TEST(SafeText, QuoteTextIsUnambiguous) {
  EXPECT_EQ(quote_text("a \"b\" \\x1b\x1b"), R"("a \"b\" \\x1b\x1b")");
  EXPECT_EQ(quote_text(""), R"("")");
}

TEST(SafeText, HardenJsonEscapesHiddenCharactersAndKeepsTheValue) {
  const std::string s = "\xc2\x9b \xe2\x80\xae \x7f caf\xc3\xa9 \x1b";
  const auto dumped = nlohmann::json(s).dump();
  const auto hard = harden_json(dumped);
  EXPECT_EQ(hard, R"("\u009b \u202e \u007f caf)"
                  "\xc3\xa9"
                  R"( \u001b")");
  EXPECT_EQ(nlohmann::json::parse(hard).get<std::string>(), s);
  EXPECT_EQ(dump_json(nlohmann::json(std::string("bad \xff"))), "\"bad \xef\xbf\xbd\"");
}

TEST(SafeText, HostileCorpusComesOutClean) {
  const auto out = safe_text(test::hostile_text);
  EXPECT_FALSE(test::first_unsafe(out, false)) << out;
  EXPECT_NE(out.find(test::benign_text), std::string::npos);
}

}  // namespace
}  // namespace refreshd::daemon
