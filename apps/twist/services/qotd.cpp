// `twist qotd`: twisted.protocols.wire.QOTD with the quote from --quote
// (default port: 17, as assigned to QOTD).
#include <CLI/CLI.hpp>

#include <memory>
#include <string>

#include <twisted/protocols/wire.h>

#include "../service.h"

namespace twisted::twist {
namespace {

/// QOTD with a chosen quote. Mirrors overriding QOTD.getQuote.
class Quote : public protocols::wire::QOTD {
 public:
  explicit Quote(std::string quote) : quote_(std::move(quote)) {}
  std::string getQuote() override { return quote_; }

 private:
  std::string quote_;
};

class QOTDService : public ListeningServiceMaker {
 public:
  std::string tapname() const override { return "qotd"; }
  std::string description() const override {
    return "Quote of the day: writes a quote, then closes (RFC 865)";
  }
  std::optional<std::string> defaultListen() const override { return "tcp:17"; }
  void serviceOptions(CLI::App& command) override {
    command.add_option("--quote", quote_, "The quote")->capture_default_str();
  }
  std::shared_ptr<internet::Factory> makeFactory() override {
    // Lines end with CRLF on the wire, as Twisted's default quote does.
    std::string line = quote_;
    if (!line.ends_with('\n')) line += "\r\n";
    return internet::Factory::forProtocol<Quote>(line);
  }

 private:
  std::string quote_ = "An apple a day keeps the doctor away.";
};

}  // namespace

std::unique_ptr<ServiceMaker> makeQotdService() {
  return std::make_unique<QOTDService>();
}

}  // namespace twisted::twist
