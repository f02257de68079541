# Sources of twisted/python (paths relative to src/).
