# Sources of twisted/logger (paths relative to src/).
