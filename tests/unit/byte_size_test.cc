// byte_size_test.cc: the sizes operators write for memory settings, and
// how the server shows them.
#include "server/common/byte_size.h"

#include "gtest/gtest.h"

namespace miniter::common {
namespace {

TEST(ParseByteSizeTest, AcceptsBytesBinaryAndDecimalUnits) {
  EXPECT_EQ(*ParseByteSize("268435456"), 268435456u);
  EXPECT_EQ(*ParseByteSize("512B"), 512u);
  EXPECT_EQ(*ParseByteSize("256MiB"), 256ull << 20);
  EXPECT_EQ(*ParseByteSize("256mib"), 256ull << 20);
  EXPECT_EQ(*ParseByteSize("256M"), 256ull << 20);
  EXPECT_EQ(*ParseByteSize("256Mi"), 256ull << 20);
  EXPECT_EQ(*ParseByteSize(" 1 GiB "), 1ull << 30);
  EXPECT_EQ(*ParseByteSize("1.5GiB"), 3ull << 29);
  EXPECT_EQ(*ParseByteSize("2T"), 2ull << 40);
  EXPECT_EQ(*ParseByteSize("64KiB"), 64ull << 10);
  EXPECT_EQ(*ParseByteSize("1MB"), 1000000u);
  EXPECT_EQ(*ParseByteSize("1GB"), 1000000000u);
  EXPECT_EQ(*ParseByteSize("0"), 0u);
}

TEST(ParseByteSizeTest, RefusesWhatIsNoSize) {
  for (const char* bad :
       {"", "auto", "MiB", "-1", "-5MiB", "1.2.3GiB", "12 parsecs", "1e9",
        "0x100", "1 Gibibyte", "9EiB", "100000000TiB"}) {
    absl::StatusOr<std::uint64_t> parsed = ParseByteSize(bad);
    EXPECT_TRUE(absl::IsInvalidArgument(parsed.status()))
        << bad << " gave " << (parsed.ok() ? std::to_string(*parsed) : "");
  }
}

TEST(FormatByteSizeTest, UsesTheLargestUnitReached) {
  EXPECT_EQ(FormatByteSize(0), "0 B");
  EXPECT_EQ(FormatByteSize(1023), "1023 B");
  EXPECT_EQ(FormatByteSize(64ull << 20), "64 MiB");
  EXPECT_EQ(FormatByteSize(3ull << 29), "1.5 GiB");
  EXPECT_EQ(FormatByteSize(24684084ull * 1024), "23.5 GiB");
}

}  // namespace
}  // namespace miniter::common
