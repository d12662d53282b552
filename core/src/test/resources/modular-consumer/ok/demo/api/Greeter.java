package demo.api;

public interface Greeter {
  String greet(String name);
}
