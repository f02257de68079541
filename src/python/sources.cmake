# Sources of twisted/python (paths relative to src/).
list(APPEND TWISTED_SOURCES
  python/threadpool.cpp
  python/failure.cpp
  python/log.cpp
  python/logfile.cpp
  python/systemd.cpp
)
