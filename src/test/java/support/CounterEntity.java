package support;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.javadsl.CommandHandlerWithReply;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import common.CborSerializable;

/** A minimal event-sourced entity that proves the journal persists and recovers (foundation tests only). */
public final class CounterEntity
    extends EventSourcedBehaviorWithEnforcedReplies<CounterEntity.Command, CounterEntity.Event, CounterEntity.State> {

  public sealed interface Command extends CborSerializable {}

  public record Add(int amount, ActorRef<State> replyTo) implements Command {}

  public record Get(ActorRef<State> replyTo) implements Command {}

  public record Added(int amount) implements CborSerializable, Event {}

  public sealed interface Event extends CborSerializable permits Added {}

  public record State(int total, int events) implements CborSerializable {}

  public static Behavior<Command> create(String id) {
    return new CounterEntity(PersistenceId.of("Counter", id));
  }

  private CounterEntity(PersistenceId id) {
    super(id);
  }

  @Override
  public State emptyState() {
    return new State(0, 0);
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder().forAnyState()
        .onCommand(Add.class, (state, cmd) -> Effect().persist(new Added(cmd.amount())).thenReply(cmd.replyTo(), s -> s))
        .onCommand(Get.class, (state, cmd) -> Effect().reply(cmd.replyTo(), state))
        .build();
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState()
        .onEvent(Added.class, (state, e) -> new State(state.total() + e.amount(), state.events() + 1))
        .build();
  }
}
