// The tutorial's Twisted poetry server (twisted-server-1/fastpoetry.py, the
// sequel to seed 004's slow server): a PoetryProtocol that writes the whole
// poem as soon as a client connects and closes, and a ServerFactory that
// holds the poem for all of them.
//
// Usage: fast_poetry_server [--port N] [--iface ADDR] [POEM_FILE]
// Port 0 (the default) picks a free port; the chosen one is printed.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include <twisted/internet/protocol.h>
#include <twisted/internet/reactor.h>

using twisted::internet::portOf;
using twisted::internet::Protocol;
using twisted::internet::reactor;
using twisted::internet::ServerFactory;
using twisted::internet::toString;

// Shakespeare, Sonnet 18 (public domain): the default poem.
constexpr const char* kSonnet =
    "Shall I compare thee to a summer's day?\n"
    "Thou art more lovely and more temperate:\n"
    "Rough winds do shake the darling buds of May,\n"
    "And summer's lease hath all too short a date;\n"
    "Sometime too hot the eye of heaven shines,\n"
    "And often is his gold complexion dimm'd;\n"
    "And every fair from fair sometime declines,\n"
    "By chance or nature's changing course untrimm'd;\n"
    "But thy eternal summer shall not fade,\n"
    "Nor lose possession of that fair thou ow'st;\n"
    "Nor shall death brag thou wander'st in his shade,\n"
    "When in eternal lines to time thou grow'st:\n"
    "So long as men can breathe or eyes can see,\n"
    "So long lives this, and this gives life to thee.\n";

class PoetryFactory : public ServerFactory {
 public:
  explicit PoetryFactory(std::string poem);
  std::string poem;
};

class PoetryProtocol : public Protocol {
 public:
  void connectionMade() override {
    transport->write(static_cast<PoetryFactory*>(factory)->poem);
    transport->loseConnection();
  }
};

PoetryFactory::PoetryFactory(std::string p) : poem(std::move(p)) {
  setProtocol<PoetryProtocol>();
}

int main(int argc, char** argv) {
  int port = 0;
  std::string iface = "localhost";
  std::string poemFile;
  std::string poem = kSonnet;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--port" && i + 1 < argc) {
      port = std::stoi(argv[++i]);
    } else if (a == "--iface" && i + 1 < argc) {
      iface = argv[++i];
    } else {
      std::ifstream in(a);
      if (!in) {
        std::cerr << "cannot read " << a << "\n";
        return 2;
      }
      std::ostringstream s;
      s << in.rdbuf();
      poem = s.str();
      poemFile = a;
    }
  }
  if (iface == "localhost") iface = "127.0.0.1";
  auto factory = std::make_shared<PoetryFactory>(poem);
  auto listening = reactor().listenTCP(port, factory, 50, iface);
  std::cout << "Serving " << (poemFile.empty() ? "Sonnet 18" : poemFile) << " on "
            << toString(listening->getHost()) << ".\n"
            << "Serving poetry on port " << portOf(listening->getHost()) << "." << std::endl;
  reactor().run();
}
