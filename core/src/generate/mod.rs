//! Generators: configMapGenerator and secretGenerator (one file for both, they differ only in
//! how values are stored), and the name hash they ask for.

pub mod configmap;
pub mod hash;

use crate::accumulate::Accumulator;
use crate::ctx::Ctx;
use crate::diagnostics::{Diagnostic, Kind};
use crate::error::Result;
use crate::load::LoadedKustomization;
use crate::trace::{self, Attribution};

/// Runs the kustomization's generator fields, adding (or merging) what they make (its
/// `generators:` are run after, by [`crate::transform::builtin::run_generators`]).
pub fn run(ctx: &mut Ctx, lk: &LoadedKustomization, acc: &mut Accumulator) -> Result<()> {
    let k = &lk.kustomization;
    let global = k.generator_options.as_ref();
    for (i, args, kind, field) in k
        .config_map_generator
        .iter()
        .enumerate()
        .map(|(i, g)| (i, g, configmap::Kind::ConfigMap, "configMapGenerator"))
        .chain(k.secret_generator.iter().enumerate().map(|(i, g)| (i, g, configmap::Kind::Secret, "secretGenerator")))
    {
        trace::begin(&mut ctx.tracer, &mut acc.resources);
        let what = match kind {
            configmap::Kind::ConfigMap => format!("in configMapGenerator '{}'", args.name),
            configmap::Kind::Secret => format!("in secretGenerator '{}'", args.name),
        };
        if !matches!(args.behavior.as_str(), "" | "create" | "merge" | "replace") {
            let near = crate::error::closest(&args.behavior, ["create", "merge", "replace"])
                .map(|n| format!("; did you mean '{n}'?"))
                .unwrap_or_default();
            ctx.sink.warn(
                Diagnostic::new(
                    Kind::UnknownGeneratorBehavior,
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
    Ok(())
}
