/**
 * The amazonec2 driver's registry entry: its flags, under docker-machine's names. This module imports no AWS SDK:
 * `fdock --help` and flag parsing must stay light; the driver itself is loaded on demand.
 */
import type { DriverEntry, DriverFlag } from "../../driver.js";
import { AMAZONEC2_DRIVER } from "./name.js";



export const amazonec2Description =
  "An EC2 instance with Docker, its own IAM user, key pair and security group (credentials from the AWS SDK chain)";

export const amazonec2Flags: DriverFlag[] = [
  { name: "amazonec2-region", description: "AWS region (default: AWS_REGION, then the profile's region, then us-east-1)", takesValue: true },
  { name: "amazonec2-instance-type", description: "EC2 instance type", takesValue: true, defaultValue: "t3.micro" },
  { name: "amazonec2-ami", description: "AMI id (default: the current Ubuntu LTS image for the region)", takesValue: true },
  { name: "amazonec2-vpc-id", description: "VPC id (default: the region's default VPC)", takesValue: true },
  { name: "amazonec2-subnet-id", description: "Subnet id (default: a default subnet of the VPC)", takesValue: true },
  { name: "amazonec2-root-size", description: "Root volume size in GiB (encrypted gp3)", takesValue: true, defaultValue: "16" },
  { name: "amazonec2-open-port", description: "Another TCP port to open to everyone besides 80 (repeatable)", takesValue: true, repeatable: true },
  { name: "amazonec2-ssh-user", description: "SSH user of the image", takesValue: true, defaultValue: "ubuntu" },
  { name: "amazonec2-ssh-cidr", description: "Who may reach port 22, as a CIDR (default: your own address as /32 when it can be learned)", takesValue: true },
  { name: "amazonec2-tags", description: "Extra tags as key1,value1,key2,value2", takesValue: true },
  { name: "amazonec2-endpoint", description: "Another EC2/IAM/STS endpoint URL (an emulator)", takesValue: true },
  { name: "amazonec2-iam-user", description: "Name of the machine's IAM user (default: fdock-NAME)", takesValue: true },
  { name: "amazonec2-profile", description: "AWS shared config profile (default: AWS_PROFILE or the default profile)", takesValue: true },
];

export const amazonec2Entry: DriverEntry = {
  name: AMAZONEC2_DRIVER,
  description: amazonec2Description,
  flags: amazonec2Flags,
  load: async () => (await import("./factory.js")).amazonec2Factory,
};
