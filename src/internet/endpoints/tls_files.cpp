#include <twisted/internet/endpoints/detail/tls_files.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <utility>

#include <twisted/internet/error.h>

namespace twisted::internet::endpoints::detail {

ssl::CertificateOptions serverTLSOptions(const std::string& privateKey, const std::string& certKey,
                                         const std::string& extraCertChain) {
  ssl::CertificateOptions base =
      ssl::DefaultOpenSSLContextFactory(privateKey, certKey.empty() ? privateKey : certKey);
  if (extraCertChain.empty()) return base;
  std::ifstream in(extraCertChain, std::ios::binary);
  if (!in) throw ssl::CertificateError("cannot read extraCertChain file '" + extraCertChain + "'");
  std::ostringstream text;
  text << in.rdbuf();
  ssl::CertificateOptions::Args args = base.args();
  try {
    for (auto& c : ssl::Certificate::loadPEMChain(text.str()))
      args.extraCertChain.push_back(std::move(c));
  } catch (const ssl::CertificateError& e) {
    throw ssl::CertificateError(std::string(e.what()) + " (extraCertChain file '" + extraCertChain +
                                "')");
  }
  return ssl::CertificateOptions(std::move(args));
}

ssl::CertificateOptions clientTLSOptions(const std::string& host, const std::string& trustRoots,
                                         const std::string& certificate,
                                         const std::string& privateKey) {
  std::optional<ssl::TrustRoot> trust;
  if (!trustRoots.empty()) trust = ssl::TrustRoot::fromPath(trustRoots);
  std::optional<ssl::PrivateCertificate> mine;
  if (!certificate.empty()) {
    const std::string& keyFile = privateKey.empty() ? certificate : privateKey;
    try {
      mine = ssl::PrivateCertificate::fromCertificateAndKeyPair(
          ssl::Certificate::loadFile(certificate), ssl::KeyPair::loadFile(keyFile));
    } catch (const ssl::CertificateError& e) {
      throw ssl::CertificateError(std::string(e.what()) + " (certificate '" + certificate +
                                  "', key '" + keyFile + "')");
    }
  }
  return ssl::optionsForClientTLS(host, std::move(trust), std::move(mine));
}

std::string resolveInterface(const std::string& interface, int port) {
  in_addr v4;
  in6_addr v6;
  if (interface.empty() || ::inet_pton(AF_INET, interface.c_str(), &v4) == 1 ||
      ::inet_pton(AF_INET6, interface.c_str(), &v6) == 1)
    return interface;
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(interface.c_str(), nullptr, &hints, &found); rc != 0)
    throw error::CannotListenError(interface, port, ::gai_strerror(rc));
  char text[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(found->ai_addr)->sin_addr, text,
              sizeof text);
  ::freeaddrinfo(found);
  return text;
}

}  // namespace twisted::internet::endpoints::detail
