package dev.spamcheck.gateway.auth;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.boot.webflux.test.autoconfigure.WebFluxTest;
import org.springframework.context.annotation.Import;
import org.springframework.core.annotation.AliasFor;

/**
 * A {@code @WebFluxTest} of the named controllers behind the gateway's real perimeter
 * ({@link GatewaySlice}): only loopback and 10.0.0.0/8 allowed, test keys.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@WebFluxTest(properties = {
        "spamcheck.allowed-cidrs=127.0.0.0/8,10.0.0.0/8",
        "spamcheck.hash-key=" + GatewaySlice.KEY,
        "spamcheck.encryption-keys=k1:" + GatewaySlice.KEY,
        // As gateway.yml has it (slices do not read it): no static resources answer at /**.
        "spring.web.resources.add-mappings=false"})
@Import(GatewaySlice.class)
public @interface GatewaySliceTest {

    @AliasFor(annotation = WebFluxTest.class, attribute = "controllers")
    Class<?>[] value() default {};
}
