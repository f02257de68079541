// A `twist` service: one sub-command, its options and the IService it runs.
// Each service lives in its own file under services/ and is listed once in
// services.cpp.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <twisted/application/internet/stream_server_endpoint_service.h>
#include <twisted/application/service/iservice.h>
#include <twisted/internet/protocol.h>
#include <twisted/internet/reactor_base.h>

namespace CLI {
class App;
}

namespace twisted::twist {

/// Makes one kind of service. `twist SERVICE [options]` calls options() to
/// declare the sub-command's options, parses the command line, installs the
/// reactor, then calls makeService() once and runs what it returns with
/// application::app::startApplication (stopped, and waited for, on
/// SIGINT/SIGTERM).
///
/// Mirrors: twisted.application.service.IServiceMaker (the plugins `twist`
/// runs: tapname, description, options, makeService(options)); the options
/// are bound to members of the maker by options().
class ServiceMaker {
 public:
  virtual ~ServiceMaker() = default;

  /// The sub-command's name, e.g. "chat". Mirrors IServiceMaker.tapname.
  virtual std::string tapname() const = 0;
  /// One line for --help. Mirrors IServiceMaker.description.
  virtual std::string description() const = 0;
  /// Declares the service's options on its sub-command, bound to members
  /// of this object. Mirrors IServiceMaker.options.
  virtual void options(CLI::App& command) { (void)command; }
  /// The service to run, built after parsing once the reactor is installed.
  /// Mirrors IServiceMaker.makeService(options).
  /// @throws std::exception for what the options name but cannot be had
  ///         (a file, a bad string): `twist` prints it and exits 1.
  virtual std::shared_ptr<application::service::IService> makeService() = 0;

  /// The reactor makeService() builds for: with `twist --workers N` it is
  /// called once per worker, each time with that worker's reactor; null
  /// means the process reactor (internet::reactor()).
  internet::ReactorBase* reactor = nullptr;
  /// *reactor, or the process reactor.
  internet::ReactorBase& serviceReactor() const;
};

/// A service serving one factory on every `--listen` endpoint (any
/// serverFromString string: tcp:, tcp6:, unix:, ssl:, systemd:, stdio:),
/// or on defaultListen() without one: a MultiService of one
/// StreamServerEndpointService per endpoint, as Twisted's plugins build
/// with strports.service(options["listen"], factory).
class ListeningServiceMaker : public ServiceMaker {
 public:
  /// Declares --listen, then the service's own options (serviceOptions).
  void options(CLI::App& command) final;
  /// A MultiService of strports::service(description, makeFactory()).
  /// @throws std::invalid_argument when there is nothing to listen on.
  std::shared_ptr<application::service::IService> makeService() final;

  /// Where to listen when no --listen is given; nullopt makes --listen
  /// (or an option of the service's own, such as portforward's --port)
  /// required.
  virtual std::optional<std::string> defaultListen() const { return std::nullopt; }
  /// The service's own options (besides --listen).
  virtual void serviceOptions(CLI::App& command) { (void)command; }
  /// The factory for every endpoint, built after parsing.
  virtual std::shared_ptr<internet::Factory> makeFactory() = 0;

  /// The --listen strings given.
  std::vector<std::string> listen;
  /// When set (`twist --drain-timeout`), each endpoint's service drains its
  /// connections on stop (StreamServerEndpointService::setDrainTimeout on
  /// the process reactor) for up to this many seconds.
  std::optional<double> drainTimeout;
  /// How long after the drain timeout connections still open are aborted.
  double drainGrace = 1;
  /// The endpoint services the last makeService() made, one per endpoint
  /// (`twist --workers` reads the ports the first worker got).
  std::vector<std::shared_ptr<application::internet::StreamServerEndpointService>> made;
};

/// A service whose connections each get a `P()`, without options of its own.
template <class P>
class ProtocolService : public ListeningServiceMaker {
 public:
  ProtocolService(std::string tapname, std::string description, std::string defaultListen)
      : tapname_(std::move(tapname)),
        description_(std::move(description)),
        defaultListen_(std::move(defaultListen)) {}
  std::string tapname() const override { return tapname_; }
  std::string description() const override { return description_; }
  std::optional<std::string> defaultListen() const override { return defaultListen_; }
  std::shared_ptr<internet::Factory> makeFactory() override {
    return internet::Factory::forProtocol<P>();
  }

 private:
  std::string tapname_, description_, defaultListen_;
};

/// Every service `twist` offers, in --help order.
std::vector<std::unique_ptr<ServiceMaker>> serviceMakers();

}  // namespace twisted::twist
