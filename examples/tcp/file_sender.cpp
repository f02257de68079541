// FileSender over TCP: a server protocol sends a file with
// basic::FileSender (a pull producer: the transport asks for the next 16 KiB
// each time its buffer has drained, so memory stays small whatever the file
// size) and a client in the same process receives it; loopback::loopbackTCP
// connects the two over 127.0.0.1 and says when both sides are done.
//
// Usage: file_sender FILE. Prints what was sent and whether what arrived is
// identical to the file; exits with 1 if not.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>

#include <twisted/internet/protocol.h>
#include <twisted/internet/reactor.h>
#include <twisted/protocols/basic.h>
#include <twisted/protocols/loopback.h>

using twisted::internet::Protocol;
using twisted::internet::reactor;
using twisted::protocols::basic::FileSender;
using twisted::python::Failure;

class FileServer : public Protocol {
 public:
  explicit FileServer(std::filesystem::path path) : path_(std::move(path)) {}

  void connectionMade() override {
    sender_.beginFileTransfer(path_, *transport)
        .addCallbacks(
            [this](std::optional<char> last) {
              if (last) {
                std::printf("Sent %s; the last byte was 0x%02x.\n", path_.c_str(),
                            static_cast<unsigned char>(*last));
              } else {
                std::printf("Sent %s; it is empty.\n", path_.c_str());
              }
              transport->loseConnection();
            },
            [this](Failure f) {
              std::printf("Cannot send: %s\n", f.getErrorMessage().c_str());
              transport->loseConnection();
            });
  }

 private:
  std::filesystem::path path_;
  FileSender sender_;  // registered with the transport until the Deferred fires
};

class Downloader : public Protocol {
 public:
  void dataReceived(std::string_view data) override { received.append(data); }
  std::string received;
};

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s FILE\n", argv[0]);
    return 2;
  }
  FileServer server(argv[1]);
  Downloader client;
  bool identical = false;
  // Both protocols live in main() until the Deferred has fired.
  twisted::protocols::loopback::loopbackTCP(server, client).addCallback([&] {
    std::ifstream in(argv[1], std::ios::binary);
    std::string expected((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    identical = in.is_open() && !in.bad() && client.received == expected;
    std::printf("Received %zu bytes, %s.\n", client.received.size(),
                identical ? "identical to the file" : "NOT identical to the file");
    reactor().stop();
  });
  reactor().run();
  return identical ? 0 : 1;
}
