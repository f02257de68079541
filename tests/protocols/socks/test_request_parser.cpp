// socks::RequestParser: SOCKS4 and 4a requests byte by byte and whole,
// what follows a request, and every rejection with its bound.
#include <gtest/gtest.h>

#include <string>

#include <twisted/protocols/socks/request_parser.h>

namespace {

using twisted::protocols::socks::RequestParser;
using Status = RequestParser::Status;

const std::string kConnect4(
    "\x04\x01\x00\x50\x7f\x00\x00\x01"
    "alice\0",
    14);
const std::string kConnect4a(
    "\x04\x01\x01\xbb\x00\x00\x00\x07"
    "bob\0example.test\0",
    25);

Status feedAll(RequestParser& p, std::string_view data, std::size_t& used) {
  return p.feed(data, used);
}

TEST(SOCKSRequestParser, Socks4Whole) {
  RequestParser p;
  std::size_t used = 0;
  ASSERT_EQ(feedAll(p, kConnect4 + "tail", used), Status::Complete);
  EXPECT_EQ(used, kConnect4.size());
  EXPECT_EQ(p.request().version, 4);
  EXPECT_EQ(p.request().command, 1);
  EXPECT_EQ(p.request().port, 80);
  EXPECT_EQ(p.request().ip, "127.0.0.1");
  EXPECT_EQ(p.request().user, "alice");
  EXPECT_FALSE(p.request().hostname);
  // Final: nothing more is consumed.
  EXPECT_EQ(p.feed("more", used), Status::Complete);
  EXPECT_EQ(used, 0u);
}

TEST(SOCKSRequestParser, Socks4aByteByByte) {
  RequestParser p;
  std::size_t used = 0;
  for (std::size_t i = 0; i + 1 < kConnect4a.size(); ++i) {
    ASSERT_EQ(p.feed(kConnect4a.substr(i, 1), used), Status::NeedMore) << i;
    EXPECT_EQ(used, 1u);
  }
  ASSERT_EQ(p.feed(kConnect4a.substr(kConnect4a.size() - 1), used), Status::Complete);
  EXPECT_EQ(p.request().port, 443);
  EXPECT_EQ(p.request().ip, "0.0.0.7");
  EXPECT_EQ(p.request().user, "bob");
  ASSERT_TRUE(p.request().hostname);
  EXPECT_EQ(*p.request().hostname, "example.test");
}

TEST(SOCKSRequestParser, ZeroAddressIsPlainSocks4) {
  // 0.0.0.0 is not 4a (x must be non-zero).
  RequestParser p;
  std::size_t used = 0;
  ASSERT_EQ(p.feed(std::string("\x04\x02\x00\x00\x00\x00\x00\x00\0", 9), used), Status::Complete);
  EXPECT_EQ(p.request().command, 2);
  EXPECT_FALSE(p.request().hostname);
}

TEST(SOCKSRequestParser, BadVersionAfterOneByte) {
  RequestParser p;
  std::size_t used = 0;
  EXPECT_EQ(p.feed("\x05\x01\x00", used), Status::BadVersion);
  EXPECT_EQ(used, 1u);
  EXPECT_EQ(p.feed("x", used), Status::BadVersion);
}

TEST(SOCKSRequestParser, BadCommand) {
  RequestParser p;
  std::size_t used = 0;
  EXPECT_EQ(p.feed(std::string("\x04\x03", 2), used), Status::BadCommand);
}

TEST(SOCKSRequestParser, UserIdBounded) {
  RequestParser p;
  std::size_t used = 0;
  std::string head("\x04\x01\x00\x50\x7f\x00\x00\x01", 8);
  ASSERT_EQ(p.feed(head + std::string(RequestParser::kMaxFieldLength, 'u'), used),
            Status::NeedMore);
  EXPECT_EQ(p.feed("u", used), Status::TooLong);
}

TEST(SOCKSRequestParser, UserIdAtTheBoundIsAccepted) {
  RequestParser p;
  std::size_t used = 0;
  std::string head("\x04\x01\x00\x50\x7f\x00\x00\x01", 8);
  EXPECT_EQ(p.feed(head + std::string(RequestParser::kMaxFieldLength, 'u') + '\0', used),
            Status::Complete);
  EXPECT_EQ(p.request().user.size(), RequestParser::kMaxFieldLength);
}

TEST(SOCKSRequestParser, HostnameBounded) {
  RequestParser p;
  std::size_t used = 0;
  std::string head("\x04\x01\x00\x50\x00\x00\x00\x01\0", 9);
  EXPECT_EQ(p.feed(head + std::string(RequestParser::kMaxFieldLength + 1, 'h'), used),
            Status::TooLong);
  EXPECT_EQ(used, 9 + RequestParser::kMaxFieldLength + 1);
}

TEST(SOCKSRequestParser, EmptyHostname) {
  RequestParser p;
  std::size_t used = 0;
  EXPECT_EQ(p.feed(std::string("\x04\x01\x00\x50\x00\x00\x00\x01\0\0", 10), used),
            Status::BadHostname);
}

}  // namespace
