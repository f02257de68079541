// An incremental parser for a SOCKS4/SOCKS4a request, the bytes a client
// sends before it is granted or rejected. Used by SOCKSv4; public so a test
// or a fuzzer can drive it alone.
//
//     socks::RequestParser p;
//     std::size_t used = 0;
//     if (p.feed(bytes, used) == socks::RequestParser::Status::Complete) use(p.request());
#pragma once

#include <twisted/export.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace twisted::protocols::socks {

/// A SOCKS4 request: VN CD DSTPORT DSTIP USERID NUL [HOSTNAME NUL].
struct TWISTED_API SOCKSv4Request {
  /// The version byte (always 4 in a request the parser accepted).
  int version = 4;
  /// The command code: 1 CONNECT, 2 BIND.
  int command = 0;
  /// The destination port.
  int port = 0;
  /// The destination address as a dotted quad ("0.0.0.x" for SOCKS4a).
  std::string ip;
  /// The user id (may be empty).
  std::string user;
  /// SOCKS4a: the host name sent after the user id (ip is 0.0.0.x, x != 0).
  std::optional<std::string> hostname;
};

/// Parses one SOCKS4/4a request fed in any chunking, holding at most
/// kMaxFieldLength bytes of user id or host name.
///
/// Not in Twisted, whose SOCKSv4.dataReceived parses in place (re-scanning
/// an unbounded buffer, asserting on a bad version); this is that parsing,
/// bounded and checked at each byte.
class TWISTED_API RequestParser {
 public:
  /// The longest user id or host name accepted (bytes, without the NUL).
  static constexpr std::size_t kMaxFieldLength = 1024;

  /// Where the parse stands after feed().
  enum class Status {
    NeedMore,    ///< the request is not complete yet
    Complete,    ///< request() is ready; later bytes are not the parser's
    BadVersion,  ///< the first byte is not 4: not a SOCKS4 client
    BadCommand,  ///< the command is neither 1 (CONNECT) nor 2 (BIND)
    TooLong,     ///< the user id or host name exceeds kMaxFieldLength
    BadHostname  ///< SOCKS4a with an empty host name
  };

  /// Consumes bytes of `data` until the request is complete or wrong.
  /// `consumed` is set to how many bytes of `data` were used: after
  /// Complete, data.substr(consumed) is what followed the request. Once a
  /// final status (anything but NeedMore) is returned, later calls return
  /// it again and consume nothing.
  Status feed(std::string_view data, std::size_t& consumed);

  /// The parsed request (complete once feed() returned Complete).
  const SOCKSv4Request& request() const noexcept { return request_; }
  /// The current status.
  Status status() const noexcept { return status_; }

 private:
  enum class Stage { Head, User, Hostname, Done };
  Stage stage_ = Stage::Head;
  Status status_ = Status::NeedMore;
  std::uint8_t head_[8] = {};
  std::size_t headLength_ = 0;
  SOCKSv4Request request_;
};

}  // namespace twisted::protocols::socks
