#include <twisted/application/service/application.h>

namespace twisted::application::service {

Application::Application(std::string name, std::optional<uid_t> uid, std::optional<gid_t> gid)
    : uid_(uid), gid_(gid) {
  setName(std::move(name));
}

}  // namespace twisted::application::service
