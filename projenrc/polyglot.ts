import { TextFile, javascript, typescript } from 'projen';
import { COMMON_OPTIONS, ConstructPackage, JEST_OPTIONS, PROJECT, WORKSPACE_VERSION, pinToolchain, skipOwnInstall } from './construct-package';
import { POLYGLOT_VERSIONS, VERSIONS } from './versions';

export interface PolyglotOptions {
  /** Every construct package: jsii-pacmak builds their Python, Java and Go artifacts. */
  readonly packages: ConstructPackage[];
  /** The umbrella construct the smoke apps synthesize. */
  readonly umbrella: ConstructPackage;
  /** The TypeScript example app whose synthesized template the smoke apps must reproduce. */
  readonly example: javascript.NodeProject;
}

/** Where the Python, Java and Go artifacts of a construct package land (its `jsii.outdir`, `dist/`). */
const LANGUAGES = ['python', 'java', 'go'] as const;

/**
 * `polyglot/`: the Python, Java and Go artifacts of every construct package, and the proof
 * that they work.
 *
 * - `package:polyglot` runs jsii-pacmak over all construct packages at once (one Maven
 *   reactor, Python wheels built in parallel) into each package's own `dist/`, so that
 *   `packages/<name>/dist/{js,python,java,go}` is what a release publishes. Go is generated
 *   code-only: pacmak's own `go mod tidy` needs a module version the Go proxy refuses (see
 *   the README); `test/go-build` builds the modules instead, with the replace that fixes it.
 * - `test` runs the smoke apps: `test/python-app` (wheels in a fresh virtualenv) and
 *   `test/java-app` (jars through Maven) synthesize the example pipeline with no esbuild and
 *   no Docker on the PATH, `test/go-build` builds every generated Go module, and jest
 *   (`test/templates.test.ts`) compares both templates and their assets with the TypeScript
 *   example's `apps/example/cdk.out`.
 *
 * `build` (what `npm test` runs through Nx) does both, after the construct packages' builds
 * and the example's synth.
 */
export class Polyglot extends typescript.TypeScriptProject {
  constructor(root: javascript.NodeProject, options: PolyglotOptions) {
    super({
      parent: root,
      outdir: 'polyglot',
      name: `${PROJECT.npmScope}/polyglot`,
      description: 'Python, Java and Go artifacts of the construct packages (jsii-pacmak) and the smoke apps that prove them',
      ...COMMON_OPTIONS,
      typescriptVersion: VERSIONS.typescript,
      jestOptions: {
        ...JEST_OPTIONS,
        // The tests read cloud assemblies; there is no source of this project to measure coverage of.
        jestConfig: { testMatch: ['<rootDir>/test/**/*.test.ts'], collectCoverage: false },
      },
      // Nx orders builds by package.json dependencies: depending on every construct package and
      // on the example puts this build after theirs (the synth comes from the Nx target below).
      devDeps: [
        ...options.packages.map((pkg) => `${pkg.package.packageName}@${WORKSPACE_VERSION}`),
        `${options.example.package.packageName}@${WORKSPACE_VERSION}`,
        `jsii-pacmak@${VERSIONS.jsiiPacmak}`,
      ],
      sampleCode: false,
      eslint: false,
      package: false,
      // Nothing to compile: the tests are the only TypeScript here, and ts-jest type-checks them.
      tsconfig: { include: ['test/**/*.ts'], compilerOptions: { rootDir: '.', noEmit: true } },
      disableTsconfigDev: true,
    });
    this.package.addField('private', true);
    pinToolchain(this);
    skipOwnInstall(this);

    const dirs = options.packages.map((pkg) => `../packages/${pkg.shortName}`).join(' ');
    const timed = 'bash scripts/timed.sh';
    // Python and Java in one pacmak run: the assemblies load once, the seven Java packages build
    // in one Maven reactor and the wheels build in parallel. --no-npmignore: pacmak would
    // otherwise edit the packages' projen-managed .npmignore (projen already ignores dist/).
    const packagePolyglot = this.addTask('package:polyglot', {
      description: 'Build the Python wheels, Maven artifacts and Go modules of every construct package into packages/*/dist/{python,java,go}',
      steps: [
        // From scratch: pacmak adds to an output directory, and a wheel or jar left from an older
        // version would be picked up by the smoke apps and by a release.
        { exec: `rm -rf ${options.packages.flatMap((pkg) => LANGUAGES.map((lang) => `../packages/${pkg.shortName}/dist/${lang}`)).join(' ')}` },
        // --maven-local-repository: pacmak otherwise resolves into an empty repository of its own
        // on every run and downloads aws-cdk-lib and the Maven plugins again.
        { exec: `${timed} "pacmak python+java" jsii-pacmak ${dirs} --no-npmignore --target python --target java --maven-local-repository="$HOME/.m2/repository"` },
        // Go as code only: pacmak's own Go build runs `go mod tidy` on a go.mod of its own, which
        // fails here on a module version the Go proxy refuses (README); test/go-build builds it.
        { exec: `${timed} "pacmak go (code)" jsii-pacmak ${dirs} --no-npmignore --code-only --target go` },
      ],
    });
    this.compileTask.reset();
    this.compileTask.spawn(packagePolyglot);

    const smokePython = this.addTask('smoke:python', {
      description: 'Install the wheels into a fresh virtualenv and synthesize the example pipeline from Python (no esbuild, no Docker)',
      exec: `${timed} "python smoke" bash test/python-app/run.sh`,
    });
    const smokeJava = this.addTask('smoke:java', {
      description: 'Synthesize the example pipeline from Java through Maven against the built jars (no esbuild, no Docker)',
      exec: `${timed} "java smoke" bash test/java-app/run.sh`,
    });
    const goBuild = this.addTask('smoke:go', {
      description: 'go build every generated Go module against the jsii Go runtime',
      exec: `${timed} "go build" bash test/go-build/run.sh`,
    });
    this.testTask.reset();
    // Python and Java run side by side: each is mostly one Node.js jsii kernel plus a Python
    // or Java process, so on two cores the pair takes little more than the slower one.
    this.testTask.exec(`${timed} "python+java smoke (parallel)" bash scripts/parallel.sh "npx projen ${smokePython.name}" "npx projen ${smokeJava.name}"`);
    this.testTask.spawn(goBuild);
    this.testTask.exec(`${timed} "template comparison (jest)" jest --ci`);

    // What the build writes outside this project: the artifacts in each package's dist/, so
    // that an Nx cache hit restores them too. Its build runs after the example's synth, whose
    // cloud assembly the comparison reads.
    this.package.addField('nx', {
      targets: {
        build: {
          dependsOn: ['^build', { projects: [options.example.package.packageName], target: 'synth' }],
          outputs: [
            '{projectRoot}/dist',
            '{projectRoot}/coverage',
            '{projectRoot}/test-reports',
            ...options.packages.flatMap((pkg) => LANGUAGES.map((lang) => `{workspaceRoot}/packages/${pkg.shortName}/dist/${lang}`)),
          ],
        },
      },
    });

    this.addSmokeAppFiles(options);
    this.gitignore.exclude('/dist/');
  }

  /** The version pins of the smoke apps, written from versions.ts so that there is one place for them. */
  private addSmokeAppFiles(options: PolyglotOptions): void {
    const v = POLYGLOT_VERSIONS;
    new TextFile(this, 'test/python-app/constraints.txt', {
      lines: [
        '# ~~ Generated by projen from projenrc/versions.ts (POLYGLOT_VERSIONS.python). To modify, edit it and run "npx projen".',
        '# Every package the smoke app installs from PyPI, pinned (pip install -c): the wheels built here',
        '# only ask for ranges (aws-cdk-lib>=2.257.0,<3), which would otherwise resolve to the newest.',
        ...Object.entries(v.python).map(([name, version]) => `${name}==${version}`),
      ],
    });

    const goModules = options.packages.map((pkg) => ({
      path: `${v.goModulePrefix}/${pkg.shortName}`,
      dir: `../../../packages/${pkg.shortName}/dist/go/${pkg.shortName}`,
    }));
    new TextFile(this, 'test/go-build/go.mod', {
      lines: [
        '// ~~ Generated by projen from projenrc/versions.ts (POLYGLOT_VERSIONS.go). To modify, edit it and run "npx projen".',
        '// A consumer of every generated Go module: `go build` compiles them all against the jsii Go runtime.',
        'module dev.batchpipeline/go-build',
        '',
        `go ${v.goLanguage}`,
        '',
        'require (',
        // Sorted, as `go mod tidy` writes them: a go.mod that tidy would change fails -mod=readonly.
        ...[...Object.entries(v.go).map(([mod, version]) => `\t${mod} ${version}`),
          ...goModules.map((mod) => `\t${mod.path} v${WORKSPACE_VERSION}`)].sort(),
        ')',
        '',
        'require (',
        ...Object.entries(v.goIndirect).map(([mod, version]) => `\t${mod} ${version} // indirect`).sort(),
        ')',
        '',
        '// The generated modules, from each package\'s dist/go.',
        ...goModules.map((mod) => `replace ${mod.path} => ${mod.dir}`),
        '',
        '// aws-cdk-go v2.257.0 requires this module at v53.28.0, which the Go module proxy reachable here',
        '// refuses (403 "not available"); v53.25.0 is the one it serves, and the bindings compile against it.',
        ...Object.entries(v.goReplace).map(([from, to]) => `replace ${from} => ${to}`),
      ],
    });

    new TextFile(this, 'test/java-app/pom.xml', { lines: javaPom(options).split('\n') });
  }
}

function javaPom(options: PolyglotOptions): string {
  const v = POLYGLOT_VERSIONS.java;
  const umbrella = options.umbrella.package.packageName.split('/')[1];
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- ~~ Generated by projen from projenrc/versions.ts (POLYGLOT_VERSIONS.java). To modify, edit it and run "npx projen". -->
<project xmlns="http://maven.apache.org/POM/4.0.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.batchpipeline.smoke</groupId>
  <artifactId>java-app</artifactId>
  <version>${WORKSPACE_VERSION}</version>
  <description>The example pipeline synthesized from Java against the jars jsii-pacmak built</description>

  <properties>
    <maven.compiler.release>17</maven.compiler.release>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
    <!-- run.sh points this at a directory holding the Maven layouts of packages/*/dist/java. -->
    <batchpipeline.repository>file://\${project.basedir}/../../dist/java-repository</batchpipeline.repository>
  </properties>

  <repositories>
    <repository>
      <id>batch-pipeline-local</id>
      <url>\${batchpipeline.repository}</url>
      <releases><updatePolicy>always</updatePolicy></releases>
    </repository>
  </repositories>

  <dependencies>
    <dependency>
      <groupId>${POLYGLOT_VERSIONS.mavenGroupId}</groupId>
      <artifactId>${umbrella}</artifactId>
      <version>${WORKSPACE_VERSION}</version>
    </dependency>
    <!-- The generated poms ask for ranges ([2.257.0,3.0.0)); the direct, exact versions win. -->
    <dependency>
      <groupId>software.amazon.awscdk</groupId>
      <artifactId>aws-cdk-lib</artifactId>
      <version>${v.awsCdkLib}</version>
    </dependency>
    <dependency>
      <groupId>software.constructs</groupId>
      <artifactId>constructs</artifactId>
      <version>${v.constructs}</version>
    </dependency>
    <dependency>
      <groupId>software.amazon.jsii</groupId>
      <artifactId>jsii-runtime</artifactId>
      <version>${v.jsiiRuntime}</version>
    </dependency>
  </dependencies>

  <build>
    <!-- Outside the sources, so that a run does not change what the Nx cache hashes. -->
    <directory>\${project.basedir}/../../dist/java-app</directory>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-compiler-plugin</artifactId>
        <version>${v.compilerPlugin}</version>
      </plugin>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-resources-plugin</artifactId>
        <version>${v.resourcesPlugin}</version>
      </plugin>
      <plugin>
        <groupId>org.codehaus.mojo</groupId>
        <artifactId>exec-maven-plugin</artifactId>
        <version>${v.execPlugin}</version>
        <configuration>
          <mainClass>dev.batchpipeline.smoke.ExampleApp</mainClass>
        </configuration>
      </plugin>
    </plugins>
  </build>
</project>`;
}
