# Sources of twisted/internet (paths relative to src/).
