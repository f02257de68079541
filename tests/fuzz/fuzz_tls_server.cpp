// libFuzzer target: a TLS server (TLSMemoryBIOProtocol, server side) fed
// arbitrary bytes in arbitrary chunks, as a peer on the network would send
// them (a replayed ClientHello, then anything). Checked: no crash, no leak
// (ASan), connectionMade once at the start and connectionLost exactly once at
// the end, whatever came in between.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <twisted/internet/error.h>
#include <twisted/internet/interfaces/ifile_descriptor.h>
#include <twisted/internet/tls.h>
#include <twisted/testing/string_transport.h>

#include "fuzz_input.h"
#include "internet/ssl/test_pki.h"

namespace {

using namespace twisted::internet;

struct Wrapped : Protocol {
  void connectionMade() override { ++made; }
  void dataReceived(std::string_view d) override {
    received += d.size();
    transport->write(d);
  }
  void connectionLost(const twisted::python::Failure&) override { ++lost; }
  int made = 0;
  int lost = 0;
  std::size_t received = 0;
};

const ssl::CertificateOptions& serverOptions() {
  static const ssl::CertificateOptions options = [] {
    test_pki::CA ca;
    ssl::CertificateOptions::Args a;
    a.certificate = ssl::PrivateCertificate::loadPEM(ca.issue().bothPEM());
    a.acceptableProtocols = {"h2", "http/1.1"};
    return ssl::CertificateOptions(std::move(a));
  }();
  return options;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  twisted_fuzz::FuzzInput in(data, size);
  const std::uint8_t seed = in.byte();
  const bool loseFirst = in.byte() & 1;

  twisted::testing::StringTransport transport;
  auto owned = std::make_unique<Wrapped>();
  Wrapped& wrapped = *owned;
  tls::TLSMemoryBIOProtocol server(serverOptions(), false, std::move(owned));
  server.makeConnection(&transport);
  twisted_fuzz::check(wrapped.made == 1);
  if (loseFirst) server.loseConnection();
  for (std::string_view c : twisted_fuzz::chunk(in.rest(), seed))
    server.dataReceived(c);
  twisted_fuzz::check(wrapped.lost == 0);
  server.connectionLost(main::CONNECTION_DONE());
  twisted_fuzz::check(wrapped.lost == 1);
  return 0;
}
