package my.app.api;

public interface Greeter {
  String greet(String name);
}
