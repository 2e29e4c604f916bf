# Intent engine benchmark (issue 4): include(intents.cmake) from bench/CMakeLists.txt.
# Run: build/intent_bench [--messages N] [--runs R]; results in docs/benchmarks.md.
add_executable(intent_bench ${CMAKE_CURRENT_LIST_DIR}/intent_bench.c)
target_compile_options(intent_bench PRIVATE ${BORGERBOT_WARNINGS})
# bb_domain for the one street register reader (municipality/streets.csv).
target_link_libraries(intent_bench PRIVATE borgerbot_intents bb_domain)
