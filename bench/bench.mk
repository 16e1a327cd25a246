# Included by the top Makefile: the benchmark programs share bench/benchlib.h.
$(BENCHES): bench/benchlib.h
