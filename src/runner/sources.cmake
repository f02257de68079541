# Sources of twisted/runner (paths relative to src/).
list(APPEND TWISTED_SOURCES
  runner/procmon.cpp
)
