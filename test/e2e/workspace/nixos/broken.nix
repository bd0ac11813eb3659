# Deliberately broken: a missing semicolon and an unclosed attribute set.
{ config, lib, pkgs, ... }:
{
  systemd.services.broken = {
    description = "Broken unit"
    serviceConfig.ExecStart = "${pkgs.coreutils}/bin/true";
