package dev.weakref.internal.engine;

/**
 * The management interface of the engine's bean, {@code dev.weakref:type=Engine}: the figures of
 * {@link dev.weakref.engine.Reclaimer#stats()}, each read when asked, for JConsole, VisualVM or a
 * JMX exporter.
 *
 * <p><b>Internal:</b> public only because JMX requires the interface of an MXBean to be; clients
 * read the attributes by name and need not see it. Each attribute reads a fresh
 * {@link dev.weakref.engine.ReclaimStats} (counting the live references walks the registry), so
 * two attributes read one after the other need not add up exactly.
 */
public interface EngineMXBean {
  /**
   * Returns {@link dev.weakref.engine.ReclaimStats#refsAlive()}.
   *
   * @return tracked references and proxies whose referent has not been reclaimed
   */
  long getRefsAlive();

  /**
   * Returns {@link dev.weakref.engine.ReclaimStats#referentsTracked()}.
   *
   * @return objects that currently have at least one tracked reference
   */
  long getReferentsTracked();

  /**
   * Returns {@link dev.weakref.engine.ReclaimStats#callbacksRun()}.
   *
   * @return callbacks run by the engine since start, including ones that threw
   */
  long getCallbacksRun();

  /**
   * Returns {@link dev.weakref.engine.ReclaimStats#callbackFailures()}.
   *
   * @return callbacks and listeners that threw
   */
  long getCallbackFailures();

  /**
   * Returns {@link dev.weakref.engine.ReclaimStats#pending()}.
   *
   * @return references taken from the queue whose processing has not finished
   */
  long getPending();

  /**
   * Returns {@link dev.weakref.engine.Reclaimer#isAlive()}.
   *
   * @return whether the {@code weakref-reclaimer} thread is running
   */
  boolean isAlive();
}
