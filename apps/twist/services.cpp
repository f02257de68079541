// The list of `twist` services: each is defined in its own file in services/.
#include <memory>
#include <vector>

#include "service.h"

namespace twisted::twist {

std::unique_ptr<ServiceMaker> makeChatService();
std::unique_ptr<ServiceMaker> makeEchoService();
std::unique_ptr<ServiceMaker> makeDiscardService();
std::unique_ptr<ServiceMaker> makeChargenService();
std::unique_ptr<ServiceMaker> makeQotdService();
std::unique_ptr<ServiceMaker> makeDaytimeService();
std::unique_ptr<ServiceMaker> makeTimeService();
std::unique_ptr<ServiceMaker> makePortforwardService();
std::unique_ptr<ServiceMaker> makeProcmonService();
std::unique_ptr<ServiceMaker> makeSocksService();

std::vector<std::unique_ptr<ServiceMaker>> serviceMakers() {
  std::vector<std::unique_ptr<ServiceMaker>> makers;
  makers.push_back(makeChatService());
  makers.push_back(makeEchoService());
  makers.push_back(makeDiscardService());
  makers.push_back(makeChargenService());
  makers.push_back(makeQotdService());
  makers.push_back(makeDaytimeService());
  makers.push_back(makeTimeService());
  makers.push_back(makePortforwardService());
  makers.push_back(makeProcmonService());
  makers.push_back(makeSocksService());
  return makers;
}

}  // namespace twisted::twist
