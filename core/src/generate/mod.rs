//! Generators: configMapGenerator and secretGenerator (one file for both, they differ only in
//! how values are stored), the name hash they ask for, and `helmCharts` (`helm.rs`).

pub mod configmap;
pub mod hash;
pub mod helm;

use crate::accumulate::Accumulator;
use crate::build_metadata::ConfiguredBy;
use crate::ctx::Ctx;
use crate::diagnostics::{Diagnostic, DiagnosticKind};
use crate::error::Result;
use crate::load::LoadedKustomization;
use crate::trace::{self, Attribution};

/// Runs the kustomization's generator fields, adding (or merging) what they make (its
/// `generators:` are run after, by [`crate::transform::builtin::run_generators`]).
pub fn run(ctx: &mut Ctx, lk: &LoadedKustomization, acc: &mut Accumulator) -> Result<()> {
    let k = &lk.kustomization;
    // kustomize configures every built-in generator before running any: a chart's
    // configuration errors come first.
    let globals = k.helm_globals.clone().unwrap_or_default();
    let charts = k
        .helm_charts
        .iter()
        .map(|c| helm::configure(ctx, &lk.dir, &globals, c).map_err(|e| e.within(helm_step(c), &lk.file, c.pos)))
        .collect::<Result<Vec<_>>>()?;
    let global = k.generator_options.as_ref();
    for (i, args, kind, field) in k
        .config_map_generator
        .iter()
        .enumerate()
        .map(|(i, g)| (i, g, configmap::GeneratorKind::ConfigMap, "configMapGenerator"))
        .chain(
            k.secret_generator
                .iter()
                .enumerate()
                .map(|(i, g)| (i, g, configmap::GeneratorKind::Secret, "secretGenerator")),
        )
    {
        trace::begin(&mut ctx.tracer, &mut acc.resources);
        let what = match kind {
            configmap::GeneratorKind::ConfigMap => format!("in configMapGenerator '{}'", args.name),
            configmap::GeneratorKind::Secret => format!("in secretGenerator '{}'", args.name),
        };
        if !matches!(args.behavior.as_str(), "" | "create" | "merge" | "replace") {
            let near = crate::error::closest(&args.behavior, ["create", "merge", "replace"])
                .map(|n| format!("; did you mean '{n}'?"))
                .unwrap_or_default();
            ctx.sink.warn(
                Diagnostic::new(
                    DiagnosticKind::UnknownGeneratorBehavior,
                    format!(
                        "unknown generator behavior '{}' is taken for 'create' (as kustomize does){near}",
                        args.behavior
                    ),
                )
                .at(&lk.file, Some(args.pos)),
            );
        }
        let r = configmap::generate(&ctx.loader, &lk.dir, &lk.file, kind, args, global)
            .map_err(|e| e.within(what.clone(), &lk.file, args.pos))?;
        configmap::add(acc, r, &args.behavior).map_err(|e| e.within(what, &lk.file, args.pos))?;
        trace::end(&mut ctx.tracer, &mut acc.resources, || {
            // A literal's value carries the line it was written on.
            Attribution::at(format!("{field}[{i}]"), &lk.file, args.pos).detail(args.name.clone()).with_leaf_lines()
        });
    }
    for (i, (chart, inflation)) in k.helm_charts.iter().zip(charts).enumerate() {
        trace::begin(&mut ctx.tracer, &mut acc.resources);
        let rs =
            inflation.run(ctx, &lk.file, chart.pos).map_err(|e| e.within(helm_step(chart), &lk.file, chart.pos))?;
        let by = ConfiguredBy::builtin(&lk.file, "HelmChartInflationGenerator");
        helm::add(acc, rs, &by).map_err(|e| e.within(helm_step(chart), &lk.file, chart.pos))?;
        trace::end(&mut ctx.tracer, &mut acc.resources, || {
            Attribution::at(format!("helmCharts[{i}]"), &lk.file, chart.pos).detail(format!("chart {}", chart.name))
        });
    }
    Ok(())
}

/// The step of an error's trace for a chart.
fn helm_step(chart: &crate::kustomization::HelmChart) -> String {
    format!("in helmCharts entry '{}'", chart.name)
}
