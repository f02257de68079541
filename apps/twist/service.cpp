#include "service.h"

#include <CLI/CLI.hpp>

#include <stdexcept>

#include <twisted/application/service/multi_service.h>
#include <twisted/application/strports.h>
#include <twisted/internet/endpoints/endpoint_parse_error.h>
#include <twisted/internet/endpoints/from_string.h>
#include <twisted/internet/reactor.h>

namespace twisted::twist {

namespace {

CLI::Validator endpointValidator() {
  return CLI::Validator(
      [](std::string& description) -> std::string {
        try {
          internet::endpoints::checkServerString(description);
          return {};
        } catch (const internet::endpoints::EndpointParseError& e) {
          return e.what();
        }
      },
      "");
}

}  // namespace

internet::ReactorBase& ServiceMaker::serviceReactor() const {
  return reactor ? *reactor : internet::reactor();
}

void ListeningServiceMaker::options(CLI::App& command) {
  std::optional<std::string> fallback = defaultListen();
  command
      .add_option("--listen", listen,
                  "Listen on this endpoint (repeatable; serverFromString syntax: tcp:, tcp6:, "
                  "unix:, ssl: (certKey defaults to privateKey), systemd:, stdio:); default: " +
                      fallback.value_or(std::string("none")))
      ->type_name(
          "tcp:PORT[:interface=ADDR] | ssl:PORT:privateKey=KEY.pem[:certKey=CERT.pem] | "
          "unix:PATH | systemd:domain=INET:index=N")
      ->expected(1)
      ->take_all()
      ->allow_extra_args(false)
      ->check(endpointValidator());
  serviceOptions(command);
}

std::shared_ptr<application::service::IService> ListeningServiceMaker::makeService() {
  std::vector<std::string> descriptions = listen;
  if (descriptions.empty()) {
    std::optional<std::string> fallback = defaultListen();
    if (!fallback) throw std::invalid_argument("nothing to listen on; give --listen");
    descriptions.push_back(*fallback);
  }
  std::shared_ptr<internet::Factory> factory = makeFactory();
  auto all = std::make_shared<application::service::MultiService>();
  made.clear();
  internet::ReactorBase& r = serviceReactor();
  for (const std::string& description : descriptions) {
    try {
      auto service = application::strports::service(description, factory, r);
      if (drainTimeout) service->setDrainTimeout(r, *drainTimeout, drainGrace);
      service->setServiceParent(all);
      made.push_back(service);
    } catch (const internet::endpoints::EndpointParseError& e) {
      // A valid string naming what is not there (a systemd index with
      // nothing inherited): the port cannot be served.
      throw std::runtime_error("Couldn't listen on " + description + ": " + e.reason());
    } catch (const std::exception& e) {
      // An ssl: key or certificate that cannot be read or does not match.
      throw std::runtime_error("Couldn't listen on " + description + ": " + e.what());
    }
  }
  return all;
}

}  // namespace twisted::twist
