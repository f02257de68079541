# Sources of twisted/logger (paths relative to src/).
list(APPEND TWISTED_SOURCES
  logger/log_level.cpp
  logger/log_event.cpp
  logger/log_publisher.cpp
  logger/limited_history_log_observer.cpp
  logger/log_beginner.cpp
  logger/logger.cpp
  logger/format.cpp
  logger/file_log_observer.cpp
  logger/log_sink.cpp
  logger/filtering_log_observer.cpp
  logger/json.cpp
)
