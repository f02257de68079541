// Seed 001 §1.3 (src/countdown.py): callLater schedules the next step, stop()
// ends the loop; once stopped the reactor cannot be restarted.
//
// Usage: countdown [SECONDS_PER_STEP]   (default 1, as in the seed)
#include <cstdio>
#include <cstdlib>

#include <twisted/internet/reactor.h>

using twisted::internet::reactor;

class Countdown {
 public:
  explicit Countdown(double step) : step_(step) {}

  void count() {
    if (counter_ == 0) {
      reactor().stop();
    } else {
      std::printf("%d ...\n", counter_);
      std::fflush(stdout);
      --counter_;
      reactor().callLater(step_, &Countdown::count, this);
    }
  }

 private:
  int counter_ = 5;
  double step_;
};

int main(int argc, char** argv) {
  Countdown countdown(argc > 1 ? std::atof(argv[1]) : 1.0);
  reactor().callWhenRunning(&Countdown::count, &countdown);
  std::puts("Start!");
  std::fflush(stdout);
  reactor().run();
  std::puts("Stop!");
  return 0;
}
