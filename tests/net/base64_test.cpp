// The one base64 codec (net/base64.hpp): padding required (etcd) or optional (HTTP Basic).
#include <string>

#include <gtest/gtest.h>

#include <refreshd/net/base64.hpp>

namespace refreshd {
namespace {

TEST(Base64, PaddingIsRequiredOnlyWhenAsked) {
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_decode("Zm8=", base64_padding::required), "fo");
  EXPECT_EQ(base64_decode("Zm8=", base64_padding::optional), "fo");
  EXPECT_EQ(base64_decode("Zm8", base64_padding::optional), "fo");
  EXPECT_FALSE(base64_decode("Zm8", base64_padding::required));
  EXPECT_FALSE(base64_decode("Zm=8", base64_padding::optional)) << "'=' only at the end";
  EXPECT_FALSE(base64_decode("Z-8=", base64_padding::optional)) << "not the URL alphabet";
  EXPECT_EQ(base64_decode(base64_encode(std::string("\0\xff", 2)), base64_padding::required),
            std::string("\0\xff", 2));
}

}  // namespace
}  // namespace refreshd
