module demo.internals {
  requires dev.weakref;
}
