module demo.consumer {
  requires dev.weakref;
  exports demo.api to dev.weakref; // weak proxies call Greeter's methods through reflection
  opens demo.app to dev.weakref; // Finalizer.of looks into lambdas for a captured object
}
