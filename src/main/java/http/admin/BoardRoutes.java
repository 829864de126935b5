package http.admin;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.Route;
import http.Json;
import http.Replies;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import readside.board.StockBoard;

/**
 * {@code GET /admin/board}: this node's live stock board (Redis): connected or not, backlog, writes, and the latency
 * from a SKU write to its Redis write (p50/p99/max over the recent changes). {@code enabled} is false when no Redis
 * URI is configured.
 */
public final class BoardRoutes extends AllDirectives {

  public record BoardView(boolean enabled, StockBoard.Status status) {}

  private final ActorSystem<?> system;
  private final Optional<ActorRef<StockBoard.Command>> board;
  private final Json json;
  private final Replies replies;
  private final Duration askTimeout;

  public BoardRoutes(ActorSystem<?> system, Optional<ActorRef<StockBoard.Command>> board, Json json) {
    this.askTimeout = AskTimeout.of(system);
    this.system = system;
    this.board = board;
    this.json = json;
    this.replies = new Replies(json);
  }

  public Route route() {
    return pathPrefix("admin", () -> path("board", () -> get(() -> onComplete(view(), view -> view.isSuccess()
        ? complete(StatusCodes.OK, view.get(), json.marshaller())
        : replies.error(StatusCodes.SERVICE_UNAVAILABLE, "the stock board did not answer: " + view.failed().get())))));
  }

  private CompletionStage<BoardView> view() {
    if (board.isEmpty()) return CompletableFuture.completedFuture(new BoardView(false, null));
    return AskPattern.<StockBoard.Command, StockBoard.Status>ask(board.get(), StockBoard.GetStatus::new,
        askTimeout, system.scheduler()).thenApply(status -> new BoardView(true, status));
  }
}
