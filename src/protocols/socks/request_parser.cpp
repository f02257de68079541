// The SOCKS4/4a request parser. Tests: tests/protocols/socks/test_request_parser.cpp
#include <twisted/protocols/socks/request_parser.h>

#include <string>

namespace twisted::protocols::socks {

RequestParser::Status RequestParser::feed(std::string_view data, std::size_t& consumed) {
  consumed = 0;
  while (status_ == Status::NeedMore && consumed < data.size()) {
    const auto byte = static_cast<std::uint8_t>(data[consumed++]);
    switch (stage_) {
      case Stage::Head:
        head_[headLength_++] = byte;
        // Check each field as soon as it is there: a non-SOCKS4 client is
        // told off after one byte, not after it sent eight.
        if (headLength_ == 1 && byte != 4) return status_ = Status::BadVersion;
        if (headLength_ == 2 && byte != 1 && byte != 2) return status_ = Status::BadCommand;
        if (headLength_ == 8) {
          request_.version = head_[0];
          request_.command = head_[1];
          request_.port = (head_[2] << 8) | head_[3];
          request_.ip = std::to_string(head_[4]) + '.' + std::to_string(head_[5]) + '.' +
                        std::to_string(head_[6]) + '.' + std::to_string(head_[7]);
          stage_ = Stage::User;
        }
        break;
      case Stage::User:
        if (byte != 0) {
          if (request_.user.size() == kMaxFieldLength) return status_ = Status::TooLong;
          request_.user.push_back(static_cast<char>(byte));
        } else if (head_[4] == 0 && head_[5] == 0 && head_[6] == 0 && head_[7] != 0) {
          // 0.0.0.x, x != 0: SOCKS4a, a host name follows.
          request_.hostname.emplace();
          stage_ = Stage::Hostname;
        } else {
          stage_ = Stage::Done;
          status_ = Status::Complete;
        }
        break;
      case Stage::Hostname:
        if (byte != 0) {
          if (request_.hostname->size() == kMaxFieldLength) return status_ = Status::TooLong;
          request_.hostname->push_back(static_cast<char>(byte));
        } else if (request_.hostname->empty()) {
          status_ = Status::BadHostname;
        } else {
          stage_ = Stage::Done;
          status_ = Status::Complete;
        }
        break;
      case Stage::Done:
        break;
    }
  }
  return status_;
}

}  // namespace twisted::protocols::socks
