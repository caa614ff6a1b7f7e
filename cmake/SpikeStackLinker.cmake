# Use lld (Debian's lld-22) when the C++ compiler can drive it; linking many
# tools against libMLIR.so is then a fraction of a second each.
include(CheckCXXSourceCompiles)
find_program(SPIKESTACK_LLD ld.lld HINTS /usr/lib/llvm-22/bin NO_DEFAULT_PATH)
if(SPIKESTACK_LLD)
  get_filename_component(_lld_dir ${SPIKESTACK_LLD} DIRECTORY)
  set(CMAKE_REQUIRED_LINK_OPTIONS "-fuse-ld=lld;-B${_lld_dir}")
  check_cxx_source_compiles("int main() { return 0; }" SPIKESTACK_HAVE_LLD)
  unset(CMAKE_REQUIRED_LINK_OPTIONS)
  if(SPIKESTACK_HAVE_LLD)
    add_link_options(-fuse-ld=lld -B${_lld_dir})
    message(STATUS "Linking with ${SPIKESTACK_LLD}")
  endif()
endif()
