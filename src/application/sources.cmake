# Sources of twisted/application (paths relative to src/).
list(APPEND TWISTED_SOURCES
  application/app.cpp
  application/internet/backoff_policy.cpp
  application/internet/client_service.cpp
  application/internet/stream_server_endpoint_service.cpp
  application/internet/timer_service.cpp
  application/service/application.cpp
  application/service/multi_service.cpp
  application/service/service.cpp
  application/strports.cpp
)
