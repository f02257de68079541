// twisted.test.iosim. Test: tests/testing/test_iosim.cpp
#include <twisted/testing/iosim.h>

#include <atomic>
#include <cstdio>
#include <iostream>

#include <twisted/internet/error.h>
#include <twisted/python/log.h>

namespace twisted::testing::iosim {

using internet::Address;
using internet::IPv4Address;
using internet::Protocol;
using python::Failure;

namespace {

std::atomic<int> nextSerial{0};

Address defaultAddress() {
  return IPv4Address{"TCP", "127.0.0.1", 0};
}

// Python's repr of bytes, for debug output.
std::string repr(std::string_view data) {
  std::string out = "b'";
  for (char ch : data) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '\\' || c == '\'') {
      out += '\\';
      out += ch;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c >= 0x7f) {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out + "'";
}

}  // namespace

FakeTransport::FakeTransport(Protocol& protocol_, bool isServer_,
                             std::optional<Address> hostAddress_,
                             std::optional<Address> peerAddress_)
    : protocol(&protocol_),
      isServer(isServer_),
      serial(nextSerial.fetch_add(1, std::memory_order_relaxed)),
      hostAddress(hostAddress_ ? std::move(*hostAddress_) : defaultAddress()),
      peerAddress(peerAddress_ ? std::move(*peerAddress_) : defaultAddress()),
      disconnectReason(internet::error::ConnectionDone("Connection done")) {}

void FakeTransport::write(std::string_view data) {
  // As Twisted's: accepted after the close, but dropped.
  if (disconnecting_ || data.empty()) return;
  stream.append(data);
  producers_.bufferGrew(stream.size(), bufferSize);
}

void FakeTransport::writeSequence(std::span<const std::string_view> data) {
  std::string joined;
  for (std::string_view d : data)
    joined += d;
  write(joined);
}

void FakeTransport::loseConnection() {
  disconnecting_ = true;
}

void FakeTransport::abortConnection() {
  if (disconnected) return;
  aborted = true;
  disconnecting_ = true;
  stream.clear();
}

void FakeTransport::registerProducer(internet::IProducer* p, bool streaming) {
  producers_.add(p, streaming, disconnected, stream.size(), bufferSize, this);
}

void FakeTransport::unregisterProducer() {
  producers_.remove();
}

void FakeTransport::stopConsuming() {
  unregisterProducer();
  loseConnection();
}

std::string FakeTransport::getOutBuffer() {
  return std::exchange(stream, std::string());
}

void FakeTransport::bufferReceived(std::string_view data) {
  // A transport stops reading when it is closing: what the peer still sends
  // is dropped, as the kernel would.
  if (disconnecting_ || disconnected) return;
  protocol->dataReceived(data);
}

void FakeTransport::checkProducer() {
  // Writes are dropped once disconnecting: asking for more would be useless.
  if (disconnecting_ || !stream.empty()) return;
  producers_.bufferDrained();
}

void FakeTransport::reportDisconnect() {
  disconnected = true;
  disconnecting_ = true;
  if (internet::IProducer* p = producers_.release()) {
    try {
      p->stopProducing();
    } catch (...) {
      python::log::err(std::current_exception(), "Unhandled error in stopProducing");
    }
  }
  protocol->connected = false;
  protocol->connectionLost(disconnectReason);
}

std::unique_ptr<FakeTransport> makeFakeClient(Protocol& clientProtocol) {
  return std::make_unique<FakeTransport>(clientProtocol, false);
}

std::unique_ptr<FakeTransport> makeFakeServer(Protocol& serverProtocol) {
  return std::make_unique<FakeTransport>(serverProtocol, true);
}

IOPump::IOPump(Protocol& client_, Protocol& server_, FakeTransport& clientIO_,
               FakeTransport& serverIO_, bool debug_, internet::task::Clock* clock_)
    : client(&client_),
      server(&server_),
      clientIO(&clientIO_),
      serverIO(&serverIO_),
      debug(debug_),
      clock(clock_) {}

bool IOPump::flush(bool debug_) {
  bool result = false;
  for (int i = 0; i < 1000; ++i) {
    if (!pump(debug_)) return result;
    result = true;
  }
  throw std::runtime_error("IOPump::flush: Too long (still moving data after 1000 pumps)");
}

bool IOPump::pump(bool debug_) {
  const bool verbose = debug || debug_;
  if (clock) clock->advance(0);
  if (verbose) std::cout << "-- GLUG --\n";
  // Bytes for a side that paused reading wait in the sender's buffer.
  std::string sData = clientIO->readingPaused ? std::string() : serverIO->getOutBuffer();
  std::string cData = serverIO->readingPaused ? std::string() : clientIO->getOutBuffer();
  clientIO->checkProducer();
  serverIO->checkProducer();
  if (verbose) {
    std::cout << ".\n";
    if (!cData.empty()) std::cout << "C: " << repr(cData) << "\n";
    if (!sData.empty()) std::cout << "S: " << repr(sData) << "\n";
  }
  // Bytes for a side that is closing are dropped (it stopped reading); they
  // do not count as moved, so a close is not held up by a peer that keeps
  // writing (a pull producer, say).
  bool moved = false;
  if (!cData.empty() && !serverIO->disconnecting()) {
    serverIO->bufferReceived(cData);
    moved = true;
  }
  if (!sData.empty() && !clientIO->disconnecting()) {
    clientIO->bufferReceived(sData);
    moved = true;
  }
  if (moved) return true;

  // Nothing delivered: a side that is closing and has sent everything ends
  // the connection for both.
  FakeTransport* closer = nullptr;
  FakeTransport* peer = nullptr;
  if (serverIO->disconnecting() && !serverIO->disconnected && serverIO->stream.empty()) {
    closer = serverIO;
    peer = clientIO;
  } else if (clientIO->disconnecting() && !clientIO->disconnected && clientIO->stream.empty()) {
    closer = clientIO;
    peer = serverIO;
  }
  if (!closer) return false;
  if (verbose) std::cout << (closer == serverIO ? "* C\n" : "* S\n");
  closer->disconnected = true;
  peer->disconnected = true;
  peer->stream.clear();
  if (closer->aborted) {
    closer->disconnectReason = Failure(internet::error::ConnectionAborted());
    peer->disconnectReason = Failure(internet::error::ConnectionLost());
  }
  peer->reportDisconnect();
  closer->reportDisconnect();
  return true;
}

IOPump connect(Protocol& serverProtocol, FakeTransport& serverTransport, Protocol& clientProtocol,
               FakeTransport& clientTransport, const ConnectOptions& options) {
  serverProtocol.makeConnection(&serverTransport);
  clientProtocol.makeConnection(&clientTransport);
  IOPump pump(clientProtocol, serverProtocol, clientTransport, serverTransport, options.debug,
              options.clock);
  if (options.greet) pump.flush();
  return pump;
}

ServerAndClient<> connectedServerAndClient(std::shared_ptr<internet::Factory> serverFactory,
                                           std::shared_ptr<internet::Factory> clientFactory,
                                           const ConnectOptions& options) {
  if (!serverFactory || !clientFactory) {
    throw std::invalid_argument("connectedServerAndClient: null factory");
  }
  std::unique_ptr<Protocol> client = clientFactory->buildProtocol(defaultAddress());
  std::unique_ptr<Protocol> server = serverFactory->buildProtocol(defaultAddress());
  if (!client || !server) {
    throw std::runtime_error("connectedServerAndClient: a factory refused to build a protocol");
  }
  std::unique_ptr<FakeTransport> cio = options.clientTransportFactory(*client);
  std::unique_ptr<FakeTransport> sio = options.serverTransportFactory(*server);
  IOPump pump = connect(*server, *sio, *client, *cio, options);
  return {std::move(serverFactory),
          std::move(clientFactory),
          std::move(server),
          std::move(client),
          std::move(sio),
          std::move(cio),
          pump};
}

}  // namespace twisted::testing::iosim
