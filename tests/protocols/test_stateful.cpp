// twisted.protocols.stateful.StatefulProtocol; the case follows Twisted's
// src/twisted/test/test_stateful.py (an Int32 string receiver built on it),
// fed in every chunking.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include <twisted/protocols/stateful.h>
#include <twisted/testing/string_transport.h>

namespace {

using twisted::protocols::stateful::StatefulProtocol;

class Int32Stateful : public StatefulProtocol {
 public:
  State getInitialState() override { return header(); }
  std::vector<std::string> received;

 private:
  State header() {
    return {[this](std::string_view d) -> std::optional<State> {
              std::size_t n = 0;
              for (char c : d)
                n = (n << 8) | static_cast<unsigned char>(c);
              return body(n);
            },
            4};
  }
  State body(std::size_t n) {
    return {[this](std::string_view d) -> std::optional<State> {
              received.emplace_back(d);
              if (d == "quit") transport->loseConnection();
              return header();
            },
            n};
  }
};

std::string frame(std::string_view s) {
  std::string out(4, '\0');
  std::size_t n = s.size();
  for (int i = 3; i >= 0; --i, n >>= 8)
    out[i] = static_cast<char>(n & 0xff);
  return out + std::string(s);
}

TEST(StatefulProtocolTest, Int32StringsInAnyChunking) {
  std::vector<std::string> strings = {"hello", "", "world", std::string(600, 'z')};
  std::string stream;
  for (const auto& s : strings)
    stream += frame(s);
  for (std::size_t size = 1; size <= stream.size(); size += (size < 10 ? 1 : 97)) {
    twisted::testing::StringTransport t;
    Int32Stateful p;
    p.makeConnection(&t);
    for (std::size_t i = 0; i < stream.size(); i += size)
      p.dataReceived(stream.substr(i, size));
    EXPECT_EQ(p.received, strings) << size;
  }
}

TEST(StatefulProtocolTest, StopsWhenDisconnecting) {
  twisted::testing::StringTransport t;
  Int32Stateful p;
  p.makeConnection(&t);
  p.dataReceived(frame("a") + frame("quit") + frame("b"));
  EXPECT_EQ(p.received, (std::vector<std::string>{"a", "quit"}));
}

TEST(StatefulProtocolTest, NulloptKeepsTheState) {
  class Pairs : public StatefulProtocol {
   public:
    State getInitialState() override {
      return {[this](std::string_view d) -> std::optional<State> {
                got.emplace_back(d);
                return std::nullopt;
              },
              2};
    }
    std::vector<std::string> got;
  };
  Pairs p;
  p.dataReceived("abcde");
  p.dataReceived("f");
  EXPECT_EQ(p.got, (std::vector<std::string>{"ab", "cd", "ef"}));
}

}  // namespace
