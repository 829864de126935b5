package architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import akka.persistence.typed.javadsl.CommandHandlerBuilder;
import akka.persistence.typed.javadsl.CommandHandlerWithReplyBuilder;
import akka.persistence.typed.javadsl.EventSourcedBehavior;
import akka.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.util.List;

/**
 * The service's shape, checked on its compiled classes (tests excluded): packages by feature, each importing only
 * the ones below it; no package cycle at any depth; a marketplace's own package used only by itself and the one
 * registry that knows every channel; entities in the Akka documentation's style.
 */
@AnalyzeClasses(packages = {"tools", "app", "http", "readside", "intake", "stocksync", "order", "marketplace", "sku",
    "infra", "common"}, importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
  /** Where the channels are put together behind marketplace's interfaces (the one place that names them all). */
  static final String CHANNEL_REGISTRY = "marketplace.channels..";
  static final List<String> CHANNELS = List.of("shopee", "tiktok", "whatsapp");

  @ArchTest
  static final ArchRule importsPointDownTheLayers = layeredArchitecture().consideringOnlyDependenciesInLayers()
      .layer("tools").definedBy("tools..")
      .layer("app").definedBy("app..")
      .layer("http").definedBy("http..")
      .layer("readside").definedBy("readside..")
      .layer("intake").definedBy("intake..")
      .layer("stocksync").definedBy("stocksync..")
      .layer("order").definedBy("order..")
      .layer("marketplace").definedBy("marketplace..")
      .layer("sku").definedBy("sku..")
      .layer("infra").definedBy("infra..")
      .layer("common").definedBy("common..")
      .whereLayer("tools").mayNotBeAccessedByAnyLayer()
      .whereLayer("app").mayOnlyBeAccessedByLayers("tools")
      .whereLayer("http").mayOnlyBeAccessedByLayers("app", "tools")
      .whereLayer("readside").mayOnlyBeAccessedByLayers("http", "app", "tools")
      .whereLayer("intake").mayOnlyBeAccessedByLayers("http", "app", "tools")
      .whereLayer("stocksync").mayOnlyBeAccessedByLayers("readside", "intake", "http", "app", "tools")
      .whereLayer("order").mayOnlyBeAccessedByLayers("readside", "intake", "http", "app", "tools")
      .whereLayer("marketplace").mayOnlyBeAccessedByLayers("stocksync", "order", "readside", "intake", "http", "app",
          "tools")
      .whereLayer("sku").mayOnlyBeAccessedByLayers("marketplace", "stocksync", "order", "readside", "intake", "http",
          "app", "tools")
      .whereLayer("infra").mayOnlyBeAccessedByLayers("sku", "marketplace", "stocksync", "order", "readside", "intake",
          "http", "app", "tools");

  /** Every package is a slice: also sub-packages (marketplace and its channels, readside and its stores). */
  @ArchTest
  static final ArchRule noPackageCycles = slices().matching("(**)").should().beFreeOfCycles();

  @ArchTest
  static final ArchRule shopeeStaysInItsPackage = channelStaysInItsPackage("shopee");

  @ArchTest
  static final ArchRule tiktokStaysInItsPackage = channelStaysInItsPackage("tiktok");

  @ArchTest
  static final ArchRule whatsAppStaysInItsPackage = channelStaysInItsPackage("whatsapp");

  static ArchRule channelStaysInItsPackage(String channel) {
    String own = "marketplace." + channel + "..";
    return noClasses().that().resideOutsideOfPackages(own, CHANNEL_REGISTRY)
        .should().dependOnClassesThat().resideInAPackage(own)
        .because("a marketplace's specifics live in its package behind marketplace's interfaces: adding one must "
            + "not touch order, sku or stocksync");
  }

  /**
   * The sandbox is written from the platforms' contracts and shares no code with the clients: not their signing,
   * not their JSON readers, not their configuration classes.
   */
  @ArchTest
  static final ArchRule sandboxSharesNoCodeWithTheClients = noClasses().that().resideInAPackage("tools.sandbox..")
      .should().dependOnClassesThat().resideInAPackage("marketplace..")
      .because("a sandbox that checks requests with the clients' own code serves their assumptions back");

  @ArchTest
  static final ArchRule entitiesEnforceReplies = classes().that().areAssignableTo(EventSourcedBehavior.class)
      .should().beAssignableTo(EventSourcedBehaviorWithEnforcedReplies.class);

  /** An entity whose states are phases picks its command handlers by phase: no catch-all handler for commands. */
  @ArchTest
  static final ArchRule phasedEntitiesHaveNoCatchAllCommandHandler = classes()
      .that().areAssignableTo(EventSourcedBehavior.class).should(new ArchCondition<>("not call forAnyState() on a "
          + "command handler builder when they also call forStateType()") {
        @Override
        public void check(JavaClass entity, ConditionEvents events) {
          List<JavaMethodCall> calls = entity.getMethodCallsFromSelf().stream()
              .filter(call -> call.getTargetOwner().isAssignableTo(CommandHandlerWithReplyBuilder.class)
                  || call.getTargetOwner().isAssignableTo(CommandHandlerBuilder.class))
              .toList();
          boolean phased = calls.stream().anyMatch(c -> c.getName().equals("forStateType"));
          for (JavaMethodCall call : calls) {
            if (phased && call.getName().equals("forAnyState")) {
              events.add(SimpleConditionEvent.violated(entity, call.getDescription()));
            }
          }
        }
      });
}
