# Sources of twisted/application (paths relative to src/).
list(APPEND TWISTED_SOURCES
)
