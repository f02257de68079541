// A `twist` service: one sub-command, its options and the factory it serves.
// Each service lives in its own file under services/ and is listed once in
// services.cpp.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <twisted/internet/defer/deferred.h>
#include <twisted/internet/protocol.h>

namespace CLI {
class App;
}

namespace twisted::twist {

/// What `twist` runs for a service that does not listen (procmon): started
/// before the reactor runs, stopped by a "before shutdown" trigger that
/// waits for the returned Deferred. The part of
/// twisted.application.service.IService `twist` needs, until issue 14
/// brings IService (and makeService for every service).
class Service {
 public:
  virtual ~Service() = default;
  /// Mirrors IService.startService.
  virtual void startService() = 0;
  /// Fires once the service has stopped. Mirrors IService.stopService.
  virtual internet::defer::Deferred<void> stopService() = 0;
};

/// Makes one kind of server. `twist SERVICE [options]` calls options() to
/// declare the sub-command's options, parses the command line, then
/// makeFactory() once and listens with that factory on every --listen
/// endpoint (or on defaultListen()). A service that does not listen
/// (listens() false) gets no --listen option; `twist` runs makeService()
/// instead.
///
/// Mirrors: twisted.application.service.IServiceMaker (the plugins `twist`
/// runs: tapname, description, options, makeService).
class ServiceMaker {
 public:
  virtual ~ServiceMaker() = default;

  /// The sub-command's name, e.g. "chat". Mirrors IServiceMaker.tapname.
  virtual std::string tapname() const = 0;
  /// One line for --help. Mirrors IServiceMaker.description.
  virtual std::string description() const = 0;
  /// False for a service that runs without listening (procmon).
  virtual bool listens() const { return true; }
  /// Where to listen when no --listen is given; nullopt makes --listen
  /// (or an option of the service's own, such as portforward's --port)
  /// required. Only asked of a service that listens().
  virtual std::optional<std::string> defaultListen() const { return std::nullopt; }
  /// Declares the service's own options on its sub-command, bound to members
  /// of this object. Mirrors IServiceMaker.options.
  virtual void options(CLI::App& command) { (void)command; }
  /// The factory for every listening port, built after parsing; only
  /// called if listens(). Mirrors IServiceMaker.makeService.
  virtual std::shared_ptr<internet::Factory> makeFactory() { return nullptr; }
  /// What to run, built after parsing once the reactor is installed; only
  /// called if !listens(). Mirrors IServiceMaker.makeService.
  virtual std::unique_ptr<Service> makeService() { return nullptr; }
};

/// A service whose connections each get a `P()`, without options of its own.
template <class P>
class ProtocolService : public ServiceMaker {
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
